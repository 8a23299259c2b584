import type { Tx } from '../connection';
import type { ItemKey } from '../../domain/upsells/recommendations';
import type { Purchase } from '../../domain/upsells/recommendations-eval';

/**
 * Every purchase of the tenant as (customer, item, when): the events of paid orders and the add-ons
 * bought through converted offers.
 */
export async function tenantPurchases(tx: Tx): Promise<Purchase[]> {
  const { rows } = await tx.raw<{ rows: { customer_id: string; item: ItemKey; at: Date }[] }>(
    `select customer_id, 'e' || event_id as item, min(coalesce(paid_at, created_at)) as at
       from orders where status = 'paid' group by customer_id, event_id
     union all
     select customer_id, 'p' || product_id, min(converted_at)
       from upsell_conversions where converted and customer_id is not null group by customer_id, product_id`,
  );
  return rows.map((r) => ({ customerId: Number(r.customer_id), item: r.item, at: new Date(r.at).getTime() }));
}

/** Every event's category (for the blend), as items. */
export async function eventCategories(tx: Tx): Promise<Map<ItemKey, string | null>> {
  const rows: { id: number; category: string | null }[] = await tx('events').select('id', 'category');
  return new Map(rows.map((r) => [`e${Number(r.id)}` as ItemKey, r.category]));
}

/** What may be recommended now: events on sale and yet to start, and active add-ons of `eventId` or of every event. */
export async function recommendable(tx: Tx, eventId: number | null): Promise<ItemKey[]> {
  const events: { id: number }[] = await tx('events')
    .where({ status: 'on_sale' })
    .andWhere('starts_at', '>', tx.fn.now())
    .select('id');
  const products: { id: number }[] = await tx('upsell_products')
    .where({ status: 'active' })
    .whereIn('type', ['addon', 'bundle'])
    .andWhere((q) =>
      eventId === null ? q.whereNull('event_id') : q.whereNull('event_id').orWhere({ event_id: eventId }),
    )
    .andWhere((q) => q.whereNull('inventory').orWhereRaw('inventory > reserved + sold'))
    .select('id');
  return [...events.map((e) => `e${Number(e.id)}` as ItemKey), ...products.map((p) => `p${Number(p.id)}` as ItemKey)];
}
