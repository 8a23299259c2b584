import type { Tx } from '../connection';
import type { CandidateProduct, OfferLocation } from '../../domain/upsells/offers';
import type { UpsellProductRow } from './catalog-products';

export type OfferCandidate = CandidateProduct & UpsellProductRow;

/**
 * What identifies the state of an event's catalogue: every row version (id and `xmin`) of its
 * products (its own and tenant-wide ones) and of the tenant's rules. Any insert, update (stock
 * included) or delete changes it.
 */
const CATALOG_VERSION_SQL = `md5(
    coalesce((select string_agg(p.id || ':' || p.xmin::text, ',' order by p.id) from upsell_products p
               where p.event_id = ? or p.event_id is null), '') || '/' ||
    coalesce((select string_agg(r.id || ':' || r.xmin::text, ',' order by r.id) from upsell_rules r), ''))`;

/** Offers are asked for on every cart change, and a catalogue changes far less often. */
const candidateCache = new Map<string, { version: string; products: OfferCandidate[] }>();
const CACHED_CATALOGUES = 100;

/**
 * The tenant's active products that may be offered with the event (its own and tenant-wide ones),
 * each with its rules; whether each can be offered here and now (location, sale window, stock) is
 * `offerable`'s to say. When `version` (read with the cart) is the version last read, the products
 * read then are answered without asking Postgres again; otherwise they are read with their version.
 */
export async function offerCandidates(
  tx: Tx,
  tenantId: string,
  eventId: number,
  version?: string,
): Promise<OfferCandidate[]> {
  const key = `${tenantId}/${eventId}`;
  const hit = candidateCache.get(key);
  if (hit && version !== undefined && hit.version === version) return hit.products;
  const { rows } = await tx.raw<{
    rows: (UpsellProductRow & { rules: CandidateProduct['rules']; catalog_version: string })[];
  }>(
    `select p.*, coalesce(r.rules, '[]') as rules, ${CATALOG_VERSION_SQL} as catalog_version
       from upsell_products p
       left join lateral (
         select json_agg(json_build_object('id', r.id, 'rule_type', r.rule_type, 'conditions', r.conditions,
                                           'priority', r.priority)) as rules
           from upsell_rules r where r.product_id = p.id) r on true
      where p.status = 'active' and (p.event_id = ? or p.event_id is null)`,
    [eventId, eventId],
  );
  const products = rows.map(({ catalog_version: _, ...p }) => ({
    ...p,
    id: Number(p.id),
    event_id: p.event_id === null ? null : Number(p.event_id),
    available: p.inventory === null ? null : p.inventory - p.reserved - p.sold,
    rules: p.rules.map((r) => ({ ...r, id: Number(r.id) })),
  }));
  // Kept under the version its own statement saw, so a version always names what it holds.
  if (rows.length) {
    candidateCache.delete(key);
    candidateCache.set(key, { version: rows[0].catalog_version, products });
    if (candidateCache.size > CACHED_CATALOGUES) candidateCache.delete(candidateCache.keys().next().value as string);
  }
  return products;
}

/** What the offers for a query's cart rest on, read in one statement. */
export interface QueryCartFacts {
  eventFound: boolean;
  /** False only when a customer was named and is not the tenant's. */
  customerFound: boolean;
  /** The price of each of the cart's ticket types that belongs to the event. */
  prices: Map<number, number>;
  /** The tenant's CRM subscription, which decides whether segment rules count. */
  crm: { enabled: boolean; rollout_percent: number } | undefined;
  /** The customer's current CRM segments (empty without a customer). */
  segmentIds: Set<number>;
  /** The version of the event's catalogue (`offerCandidates`). */
  catalogVersion: string;
}

/**
 * The event, the cart's ticket types, the customer and their segments at once: an offers call is
 * made on every cart change, so it costs one round trip rather than one per fact.
 */
export async function queryCartFacts(
  tx: Tx,
  eventId: number,
  ticketTypeIds: number[],
  customerId: number | null,
): Promise<QueryCartFacts> {
  const { rows } = await tx.raw<{
    rows: {
      event_found: boolean;
      customer_found: boolean;
      prices: Record<string, number>;
      crm: { enabled: boolean; rollout_percent: number } | null;
      segment_ids: number[];
      catalog_version: string;
    }[];
  }>(
    `select exists (select 1 from events where id = ?) as event_found,
            (?::bigint is null or exists (select 1 from customers where id = ?)) as customer_found,
            coalesce((select json_object_agg(t.id, t.price_minor) from ticket_types t
                       where t.event_id = ? and t.id = any(?::bigint[])), '{}') as prices,
            (select json_build_object('enabled', m.enabled, 'rollout_percent', m.rollout_percent)
               from tenant_modules m where m.module = 'crm') as crm,
            array(select m.segment_id from customer_segment_members m
                   where m.customer_id = ? and m.removed_at is null) as segment_ids,
            ${CATALOG_VERSION_SQL} as catalog_version`,
    [eventId, customerId, customerId, eventId, ticketTypeIds, customerId, eventId],
  );
  const [row] = rows;
  return {
    eventFound: row.event_found,
    customerFound: row.customer_found,
    prices: new Map(Object.entries(row.prices).map(([id, price]) => [Number(id), price])),
    crm: row.crm ?? undefined,
    segmentIds: new Set(row.segment_ids.map(Number)),
    catalogVersion: row.catalog_version,
  };
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
