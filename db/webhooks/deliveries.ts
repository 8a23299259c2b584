import type { Tx } from '../connection';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryRow {
  id: number;
  tenant_id: string;
  endpoint_id: number;
  outbox_id: number;
  event_type: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  redeliveries: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface AttemptRow {
  id: number;
  tenant_id: string;
  delivery_id: number;
  attempt: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  attempted_at: Date;
}

/**
 * One delivery row per endpoint for an outbox event; the (endpoint, event) pair is unique, so a
 * replayed fan-out creates nothing twice. Answers the ids of the rows it created.
 */
export async function insertDeliveries(
  tx: Tx,
  tenantId: string,
  event: { outboxId: number; type: string; payload: unknown },
  endpointIds: number[],
): Promise<number[]> {
  const created: { id: number }[] = await tx('webhook_deliveries')
    .insert(
      endpointIds.map((endpointId) => ({
        tenant_id: tenantId,
        endpoint_id: endpointId,
        outbox_id: event.outboxId,
        event_type: event.type,
        payload: JSON.stringify(event.payload),
      })),
    )
    .onConflict(['endpoint_id', 'outbox_id'])
    .ignore()
    .returning('id');
  return created.map((r) => r.id);
}

export async function getDelivery(tx: Tx, id: number): Promise<DeliveryRow | undefined> {
  return tx<DeliveryRow>('webhook_deliveries').where({ id }).first();
}

export async function listDeliveries(
  tx: Tx,
  filter: { endpointId?: number; status?: DeliveryStatus; eventType?: string; after?: number; limit: number },
): Promise<DeliveryRow[]> {
  const q = tx<DeliveryRow>('webhook_deliveries').orderBy('id').limit(filter.limit);
  if (filter.endpointId) q.where('endpoint_id', filter.endpointId);
  if (filter.status) q.where('status', filter.status);
  if (filter.eventType) q.where('event_type', filter.eventType);
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}

export async function listAttempts(tx: Tx, deliveryId: number): Promise<AttemptRow[]> {
  return tx<AttemptRow>('webhook_attempts').where({ delivery_id: deliveryId }).orderBy('id');
}

/** Puts a delivery back to pending for another run; its redelivery count names that run's workflow. */
export async function reopenDelivery(tx: Tx, id: number): Promise<DeliveryRow> {
  const [row] = await tx('webhook_deliveries')
    .where({ id })
    .update({ status: 'pending', delivered_at: null, redeliveries: tx.raw('redeliveries + 1') })
    .returning('*');
  return row;
}

/** Logs one POST and its answer on the delivery; a 2xx marks the delivery succeeded. */
export async function recordAttempt(
  tx: Tx,
  tenantId: string,
  delivery: Pick<DeliveryRow, 'id' | 'attempts'>,
  result: { ok: boolean; status?: number; error?: string; latencyMs: number },
): Promise<void> {
  await tx('webhook_attempts').insert({
    tenant_id: tenantId,
    delivery_id: delivery.id,
    attempt: delivery.attempts + 1,
    status_code: result.status ?? null,
    latency_ms: result.latencyMs,
    error: result.error ?? null,
  });
  await tx('webhook_deliveries')
    .where({ id: delivery.id })
    .update({
      attempts: tx.raw('attempts + 1'),
      last_status_code: result.status ?? null,
      last_error: result.ok ? null : (result.error ?? `HTTP ${result.status}`),
      ...(result.ok ? { status: 'succeeded', delivered_at: tx.fn.now() } : {}),
    });
}

/** The workflow gave up: the delivery is failed unless an attempt succeeded meanwhile. */
export async function setDeliveryFailed(tx: Tx, id: number, reason: string): Promise<void> {
  await tx('webhook_deliveries')
    .where({ id })
    .whereNot({ status: 'succeeded' })
    .update({ status: 'failed', last_error: reason.slice(0, 1000) });
}
