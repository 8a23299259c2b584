import type { Tx } from '../connection';
import type { CandidateProduct, OfferLocation } from '../../domain/upsells/offers';
import type { UpsellProductRow } from './catalog-products';

export type OfferCandidate = CandidateProduct & UpsellProductRow;

/**
 * The tenant's active products that may be offered with the event at this location now (its own and
 * tenant-wide ones, in their sale window, with stock left), each with its rules: one statement.
 */
export async function offerCandidates(
  tx: Tx,
  eventId: number,
  location: OfferLocation,
  now: Date,
): Promise<OfferCandidate[]> {
  const { rows } = await tx.raw<{ rows: (UpsellProductRow & { rules: CandidateProduct['rules'] })[] }>(
    `select p.*, coalesce(r.rules, '[]') as rules
       from upsell_products p
       left join lateral (
         select json_agg(json_build_object('id', r.id, 'rule_type', r.rule_type, 'conditions', r.conditions,
                                           'priority', r.priority)) as rules
           from upsell_rules r where r.product_id = p.id) r on true
      where p.status = 'active' and (p.event_id = ? or p.event_id is null)
        and p.display_in in (?, 'all')
        and (p.sale_starts_at is null or p.sale_starts_at <= ?) and (p.sale_ends_at is null or p.sale_ends_at > ?)
        and (p.inventory is null or p.inventory > p.reserved + p.sold)`,
    [eventId, location, now, now],
  );
  return rows.map((p) => ({
    ...p,
    id: Number(p.id),
    event_id: p.event_id === null ? null : Number(p.event_id),
    available: p.inventory === null ? null : p.inventory - p.reserved - p.sold,
    rules: p.rules.map((r) => ({ ...r, id: Number(r.id) })),
  }));
}

/** The CRM segments the customer is a current member of. */
export async function currentSegmentsOf(tx: Tx, customerId: number): Promise<Set<number>> {
  const rows: { segment_id: number }[] = await tx('customer_segment_members')
    .where({ customer_id: customerId })
    .whereNull('removed_at')
    .select('segment_id');
  return new Set(rows.map((r) => Number(r.segment_id)));
}

export interface Impression {
  productId: number;
  ruleId: number | null;
  offerId: string;
  orderId: number | null;
  customerId: number | null;
  location: OfferLocation;
}

/** Records the offers shown, in one statement. */
export async function recordImpressions(tx: Tx, tenantId: string, shown: Impression[]): Promise<void> {
  if (!shown.length) return;
  await tx('upsell_conversions').insert(
    shown.map((s) => ({
      tenant_id: tenantId,
      product_id: s.productId,
      rule_id: s.ruleId,
      offer_id: s.offerId,
      order_id: s.orderId,
      customer_id: s.customerId,
      display_location: s.location,
    })),
  );
}

export interface OfferRow {
  offer_id: string;
  product_id: number;
  clicked_at: Date | null;
}

/** Marks the offer clicked (the first click counts) and answers it; undefined when it is not the tenant's. */
export async function recordClick(tx: Tx, offerId: string): Promise<OfferRow | undefined> {
  const [row] = await tx('upsell_conversions')
    .where({ offer_id: offerId })
    .update({ clicked_at: tx.raw('coalesce(clicked_at, now())') })
    .returning(['offer_id', 'product_id', 'clicked_at']);
  return row;
}
