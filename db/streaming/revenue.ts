import type { Tx } from '../connection';
import { meterAmount } from '../../domain/platform/plans';
import { shownInPlayer } from '../../domain/streaming/merchandise';
import { recordUsage } from '../platform/usage';
import { getProduct } from '../upsells/catalog-products';
import { holdsStreamTicket } from './access';

const METER = 'streaming.revenue_share';

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
    meter: METER,
    quantity: Number(row.tickets),
    amountMinor: meterAmount(METER, Number(row.tickets), revenue),
    idempotencyKey: `streaming-share-order-${orderId}`,
    metadata: { order_id: orderId, revenue_minor: revenue, currency: String(row.currency).trim() },
  });
}

/** An upsells line as `upsell.purchased` announces it. */
export interface PurchasedLine {
  line_id: number;
  event_id: number;
  customer_id: number;
  product_id: number;
  kind: 'addon' | 'bundle' | 'upgrade';
  quantity: number;
  revenue_minor: number;
  currency: string;
}

/**
 * Meters the revenue share on virtual merchandise, once per upsells line: a product the player page shows, bought by
 * a viewer of the event's streams (a valid virtual or hybrid ticket). It lands on the same bill line as the tickets'.
 */
export async function meterMerchandiseRevenue(tx: Tx, tenantId: string, line: PurchasedLine): Promise<boolean> {
  if (line.kind === 'upgrade' || line.revenue_minor <= 0) return false;
  const product = await getProduct(tx, line.product_id);
  if (!product || !shownInPlayer(product) || !(await holdsStreamTicket(tx, line.event_id, line.customer_id)))
    return false;
  return recordUsage(tx, tenantId, {
    meter: METER,
    quantity: line.quantity,
    amountMinor: meterAmount(METER, line.quantity, line.revenue_minor),
    idempotencyKey: `streaming-share-upsell-line-${line.line_id}`,
    metadata: {
      upsell_line_id: line.line_id,
      product_id: line.product_id,
      revenue_minor: line.revenue_minor,
      currency: line.currency,
    },
  });
}
