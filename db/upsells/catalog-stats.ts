import type { Tx } from '../connection';

export type StatsBy = 'product' | 'rule' | 'location';

export interface StatsRow {
  key: string | null;
  impressions: number;
  clicks: number;
  conversions: number;
  revenue_minor: number;
}

const KEY: Record<StatsBy, string> = {
  product: 'c.product_id::text',
  rule: 'c.rule_id::text',
  location: 'c.display_location',
};

/** Impressions, clicks, conversions and revenue of the offers shown in [from, to), per product, rule or location. */
export async function offerStats(
  tx: Tx,
  opts: { by: StatsBy; eventId?: number; productId?: number; from?: Date; to?: Date },
): Promise<StatsRow[]> {
  const { rows } = await tx.raw<{ rows: StatsRow[] }>(
    `select ${KEY[opts.by]} as key, count(*)::int as impressions, count(c.clicked_at)::int as clicks,
            count(*) filter (where c.converted)::int as conversions, coalesce(sum(c.revenue_minor), 0)::bigint as revenue_minor
       from upsell_conversions c join upsell_products p on p.id = c.product_id
      where (?::bigint is null or p.event_id = ?) and (?::bigint is null or c.product_id = ?)
        and (?::timestamptz is null or c.created_at >= ?) and (?::timestamptz is null or c.created_at < ?)
      group by 1 order by 1 nulls last`,
    [
      opts.eventId ?? null,
      opts.eventId ?? null,
      opts.productId ?? null,
      opts.productId ?? null,
      opts.from ?? null,
      opts.from ?? null,
      opts.to ?? null,
      opts.to ?? null,
    ],
  );
  return rows.map((r) => ({ ...r, revenue_minor: Number(r.revenue_minor) }));
}
