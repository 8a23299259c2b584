import type { Knex } from 'knex';
import type { EventPayload, EventType } from '../domain/catalogue';

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
export async function emit(tx: Knex.Transaction, tenantId: string, events: DomainEvent | DomainEvent[]): Promise<void> {
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
