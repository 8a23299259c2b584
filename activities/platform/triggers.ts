import type { Client } from '@temporalio/client';
import type { Db, Tx } from '../../db/connection';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';

/** A domain event as the dispatcher hands it to triggers. */
export interface OutboxEvent {
  id: number;
  tenantId: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface TriggerContext {
  /** The event's own tenant-scoped transaction: database effects here happen exactly once. */
  tx: Tx;
  db: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
}

/**
 * Reacts to domain events (the proposal's event-driven architecture). Database effects go through
 * `ctx.tx`; anything outside it (starting a workflow, calling out) must be idempotent, because a
 * crash between the effect and the commit runs the trigger again.
 */
export interface Trigger {
  /** Stable: recorded per event so a completed trigger never runs twice. */
  name: string;
  /** Event types, or '*' for all. */
  on: readonly string[];
  run(event: OutboxEvent, ctx: TriggerContext): Promise<void>;
}

export const matches = (trigger: Trigger, type: string): boolean =>
  trigger.on.includes('*') || trigger.on.includes(type);
