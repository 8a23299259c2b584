import type { Tx } from '../connection';
import { meterAmount } from '../../domain/platform/plans';
import { recordUsage } from '../platform/usage';

/**
 * Meters the 10% revenue share on a paid order's virtual tickets into the month's bill (next to the €50 base), once
 * per order. Hybrid tickets are sold for the venue too and are not shared; nor are in-person ones.
 */
export async function meterVirtualTicketRevenue(tx: Tx, tenantId: string, orderId: number): Promise<boolean> {
  const [row] = await tx('order_items as oi')
    .join('ticket_types as tt', 'tt.id', 'oi.ticket_type_id')
    .join('orders as o', 'o.id', 'oi.order_id')
    .where({ 'oi.order_id': orderId, 'tt.attendance': 'virtual' })
    .select(
      tx.raw('coalesce(sum(oi.quantity), 0)::int as tickets'),
      tx.raw('coalesce(sum(oi.quantity * oi.unit_price_minor), 0)::bigint as revenue'),
      tx.raw('min(o.currency) as currency'),
    );
  const revenue = Number(row?.revenue ?? 0);
  if (!revenue) return false;
  return recordUsage(tx, tenantId, {
    meter: 'streaming.revenue_share',
    quantity: Number(row.tickets),
    amountMinor: meterAmount('streaming.revenue_share', Number(row.tickets), revenue),
    idempotencyKey: `streaming-share-order-${orderId}`,
    metadata: { order_id: orderId, revenue_minor: revenue, currency: String(row.currency).trim() },
  });
}
