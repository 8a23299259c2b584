import type { Knex } from 'knex';
import type { z } from 'zod';
import type { RouterDeps } from '../api/deps';
import type { Trigger } from '../activities/platform/triggers';
import type { WorkerDeps } from '../activities/deps';
import type { EventType } from '../domain/catalogue';
import type { ModuleName } from '../domain/platform/plans';

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Activity functions by name, as the Temporal worker registers them. */
export type Activities = Record<string, (...args: never[]) => Promise<unknown>>;

/** What a module runs in the worker process: loaded only there. */
export interface WorkerContribution {
  activities?(deps: WorkerDeps): Activities;
  triggers?(deps: WorkerDeps): Trigger[];
}

/**
 * Everything a module contributes, declared once. The module's code sits in a folder of its
 * `name` in each layer it uses (api/, activities/, workflows/, db/, domain/). Code is referenced
 * through loaders, so a process loads only its own part: the API never loads activities or
 * workflow bodies, and nothing but the migration runner loads a migration.
 */
export interface ModuleManifest {
  name: string;
  /** The OpenAPI tag of every route the module defines. */
  tag: string;
  /** The billable add-on it belongs to: its routes are gated on it and its settings live there. */
  addOn?: ModuleName;
  /** The add-on's settings, validated on `PUT /api/modules/{module}` (only on the add-on's owning module). */
  settings?: z.ZodType<Record<string, unknown>>;
  /** Catalogued domain events the module emits. */
  emits: readonly EventType[];
  /** Registers the module's routes on the API's router. */
  api?(): Promise<(deps: RouterDeps) => void>;
  worker?(): Promise<WorkerContribution>;
  /** The module's workflow entry file (`require.resolve`d, never imported here): bundled by the worker. */
  workflows?: string;
  /** Migrations by name; names sort into one global order across modules. */
  migrations?: Record<string, () => Promise<Migration>>;
}

export const defineModule = <M extends ModuleManifest>(manifest: M): M => manifest;
