import type { Tx } from '../connection';
import type { MeterName } from '../../domain/platform/plans';

export interface UsageInput {
  meter: MeterName;
  quantity: number;
  amountMinor: number;
  /** Names the billable operation, so a replayed or retried one is counted once. */
  idempotencyKey: string;
  metadata?: Record<string, unknown>;
  at?: Date;
}

/** Records billable usage exactly once per idempotency key; returns whether this call counted it. */
export async function recordUsage(tx: Tx, tenantId: string, usage: UsageInput): Promise<boolean> {
  const at = usage.at ?? new Date();
  const inserted = await tx('usage_records')
    .insert({
      tenant_id: tenantId,
      meter: usage.meter,
      quantity: usage.quantity,
      amount_minor: usage.amountMinor,
      idempotency_key: usage.idempotencyKey,
      metadata: JSON.stringify(usage.metadata ?? {}),
      occurred_at: at,
      period: at.toISOString().slice(0, 7),
    })
    .onConflict(['tenant_id', 'idempotency_key'])
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

export async function usageForPeriod(
  tx: Tx,
  period: string,
): Promise<{ meter: MeterName; quantity: number; amountMinor: number }[]> {
  const rows = await tx('usage_records')
    .where({ period })
    .groupBy('meter')
    .orderBy('meter')
    .select('meter', tx.raw('sum(quantity)::int as quantity'), tx.raw('sum(amount_minor)::int as amount_minor'));
  return rows.map((r: { meter: MeterName; quantity: number; amount_minor: number }) => ({
    meter: r.meter,
    quantity: r.quantity,
    amountMinor: r.amount_minor,
  }));
}
