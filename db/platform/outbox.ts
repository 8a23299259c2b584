import type { Db, Tx } from '../connection';
import type { EventPayload, EventType } from '../../domain/catalogue';

/** A catalogued domain event: its payload type follows its `type`, so a typo or a wrong field does not compile. */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: {
    type: K;
    aggregateType: string;
    aggregateId: string | number;
    payload: EventPayload<K>;
    /** Dispatched no earlier than this (a retry of part of an earlier event's work). */
    notBefore?: Date;
  };
}[T];

/** Writes domain events in the caller's transaction, so they exist exactly when the change does. */
export async function emit(tx: Tx, tenantId: string, events: DomainEvent | DomainEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (!list.length) return;
  await tx('outbox').insert(
    list.map((e) => ({
      tenant_id: tenantId,
      type: e.type,
      aggregate_type: e.aggregateType,
      aggregate_id: String(e.aggregateId),
      payload: JSON.stringify(e.payload),
      ...(e.notBefore ? { next_attempt_at: e.notBefore } : {}),
    })),
  );
}

/** An undispatched row that is due, as the dispatcher sees it before taking it. */
export interface DueOutboxRow {
  id: number;
  tenant_id: string;
  aggregate_type: string;
  aggregate_id: string;
}

export interface OutboxRow extends DueOutboxRow {
  type: string;
  payload: unknown;
  created_at: Date;
  dispatched_at: Date | null;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
}

/**
 * The oldest rows due now across all tenants, through a security-definer function: the dispatcher
 * has no tenant yet, and row-level security would show it nothing.
 */
export async function listDueOutbox(db: Db, limit: number): Promise<DueOutboxRow[]> {
  const { rows } = await db.raw<{ rows: DueOutboxRow[] }>('select * from usher_due_outbox(?)', [limit]);
  return rows;
}

/**
 * Takes an undispatched row for this transaction, with the triggers that already completed for it
 * (so a retry runs only the others); undefined when it is done or another dispatcher holds it.
 */
export async function claimOutboxRow(
  tx: Tx,
  id: number,
): Promise<(OutboxRow & { completed: Set<string> }) | undefined> {
  const { rows } = await tx.raw<{ rows: (OutboxRow & { completed: string[] })[] }>(
    `select o.*, array(select t.trigger from trigger_runs t where t.outbox_id = o.id) as completed
       from outbox o where o.id = ? and o.dispatched_at is null
        for update of o skip locked`,
    [id],
  );
  const [row] = rows;
  return row && { ...row, completed: new Set(row.completed) };
}

/** Records triggers as done, in the transaction of their effects so both commit or neither. */
export async function recordTriggerRuns(tx: Tx, tenantId: string, outboxId: number, triggers: string[]): Promise<void> {
  if (!triggers.length) return;
  await tx('trigger_runs').insert(triggers.map((trigger) => ({ outbox_id: outboxId, trigger, tenant_id: tenantId })));
}

export async function markOutboxDispatched(tx: Tx, id: number): Promise<void> {
  await tx('outbox').where({ id }).update({ dispatched_at: tx.fn.now(), last_error: null });
}

/** Leaves the row pending with why it failed, due again after its backoff. */
export async function scheduleOutboxRetry(
  tx: Tx,
  id: number,
  retry: { attempts: number; lastError: string; nextAttemptAt: Date },
): Promise<void> {
  await tx('outbox')
    .where({ id })
    .update({ attempts: retry.attempts, last_error: retry.lastError, next_attempt_at: retry.nextAttemptAt });
}
