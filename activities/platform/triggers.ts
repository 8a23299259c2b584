import type { Client } from '@temporalio/client';
import type { Db, Tx } from '../../db/connection';
import type { CataloguedEvent, EventType } from '../../domain/catalogue';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';

/** A domain event as the dispatcher hands it to triggers: its payload parsed by the catalogue, typed by `type`. */
export type OutboxEvent<T extends EventType = EventType> = CataloguedEvent<T> & {
  id: number;
  tenantId: string;
  aggregateType: string;
  aggregateId: string;
  createdAt: Date;
};

export interface TriggerContext {
  /** The event's own tenant-scoped transaction: database effects here happen exactly once. */
  tx: Tx;
  db: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
}

/** What a trigger's after-commit part gets: no transaction, since the event's has committed. */
export type AfterCommitContext = Omit<TriggerContext, 'tx'>;

/**
 * Reacts to domain events (the proposal's event-driven architecture). Database effects go through
 * `ctx.tx`; anything outside it (starting a workflow, calling out) must be idempotent, because a
 * crash between the effect and the commit runs the trigger again.
 */
export interface Trigger<T extends EventType = EventType> {
  /** Stable: recorded per event so a completed trigger never runs twice. */
  name: string;
  /** Catalogued event types, or '*' for all (then `T` is every type, as `defineTrigger` infers). */
  on: readonly T[] | readonly ['*'];
  run(event: OutboxEvent<T>, ctx: TriggerContext): Promise<void>;
  /**
   * Runs once the transaction of `run` has committed. A workflow that reads rows `run` wrote must be
   * started here: started inside `run`, its first activity can run before the commit and miss them.
   * It is retried on its own (never re-running `run`) until it succeeds, so it must be idempotent and
   * read what it needs from the event and the committed database.
   */
  afterCommit?(event: OutboxEvent<T>, ctx: AfterCommitContext): Promise<void>;
}

/** Infers the types a trigger listens to from `on`, so `run` sees exactly their payloads. */
export const defineTrigger = <T extends EventType>(trigger: Trigger<T>): Trigger<T> => trigger;

export const matches = (trigger: Trigger, type: string): boolean => trigger.on.some((t) => t === '*' || t === type);
