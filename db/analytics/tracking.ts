import type { Tx } from '../connection';

/** One accepted tracking item, normalised (channel decided, visitor known). */
export interface TrackingRow {
  client_event_id: string;
  type: 'page_view' | 'event_view' | 'add_to_cart' | 'checkout_started';
  anonymous_id: string | null;
  customer_id: number | null;
  event_id: number | null;
  ticket_type_id: number | null;
  channel: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  referrer: string | null;
  country: string | null;
  price_minor: number | null;
  occurred_at: string;
}

/**
 * Creates any missing monthly partitions for the items' times (a security-definer function). One
 * call per batch: a month that exists costs a catalogue lookup.
 */
export async function ensurePartitionsFor(tx: Tx, times: readonly string[]): Promise<void> {
  const sorted = [...times].sort();
  await tx.raw('select analytics_ensure_partitions(?::timestamptz, ?::timestamptz)', [
    sorted[0],
    sorted[sorted.length - 1],
  ]);
}

/**
 * Stores a batch in one statement: the raw rows (a repeated client event id and time is skipped),
 * and, for the rows actually inserted, the funnel's distinct visitors and daily counts, price
 * points, marketing touches and anonymous-to-customer links. Answers the keys that were new.
 * Days are UTC days.
 */
export async function ingestTracking(
  tx: Tx,
  tenantId: string,
  rows: readonly TrackingRow[],
): Promise<{ client_event_id: string; occurred_at: Date }[]> {
  if (!rows.length) return [];
  await ensurePartitionsFor(
    tx,
    rows.map((r) => new Date(r.occurred_at).toISOString()),
  );
  const { rows: inserted } = await tx.raw<{ rows: { client_event_id: string; occurred_at: Date }[] }>(
    `
    with input as (
      select * from jsonb_to_recordset(?::jsonb) as x(
        client_event_id text, type text, anonymous_id text, customer_id bigint, event_id bigint,
        ticket_type_id bigint, channel text, utm_source text, utm_medium text, utm_campaign text,
        referrer text, country text, price_minor integer, occurred_at timestamptz)
    ),
    ins as (
      insert into analytics_tracking_events (tenant_id, client_event_id, type, anonymous_id, customer_id,
        event_id, ticket_type_id, channel, utm_source, utm_medium, utm_campaign, referrer, country,
        price_minor, occurred_at)
      select ?, client_event_id, type, anonymous_id, customer_id,
        event_id, ticket_type_id, channel, utm_source, utm_medium, utm_campaign, referrer, country,
        price_minor, occurred_at
      from input
      on conflict do nothing
      returning client_event_id, occurred_at, type, anonymous_id, customer_id, event_id, channel, price_minor
    ),
    steps as (
      select coalesce(event_id, 0) as event_id, channel, (occurred_at at time zone 'UTC')::date as day,
        case type when 'add_to_cart' then 2 when 'checkout_started' then 3 else 1 end::smallint as step,
        coalesce('c:' || customer_id, 'a:' || anonymous_id) as visitor, occurred_at,
        anonymous_id, customer_id, type, price_minor
      from ins
    ),
    visitors as (
      insert into analytics_funnel_visitors (tenant_id, event_id, channel, day, step, visitor)
      select distinct ?, event_id, channel, day, step, visitor from steps
      on conflict do nothing
      returning event_id, channel, day, step
    ),
    funnel as (
      insert into analytics_funnel_daily (tenant_id, event_id, channel, day, views, carts, checkouts)
      select ?, event_id, channel, day, count(*) filter (where step = 1), count(*) filter (where step = 2),
        count(*) filter (where step = 3)
      from visitors group by event_id, channel, day
      on conflict (tenant_id, event_id, channel, day) do update set
        views = analytics_funnel_daily.views + excluded.views,
        carts = analytics_funnel_daily.carts + excluded.carts,
        checkouts = analytics_funnel_daily.checkouts + excluded.checkouts
    ),
    prices as (
      insert into analytics_price_points (tenant_id, event_id, price_minor, views, carts)
      select ?, event_id, price_minor, count(*) filter (where type in ('event_view', 'page_view')),
        count(*) filter (where type = 'add_to_cart')
      from steps where price_minor is not null and event_id <> 0
      group by event_id, price_minor
      on conflict (tenant_id, event_id, price_minor) do update set
        views = analytics_price_points.views + excluded.views,
        carts = analytics_price_points.carts + excluded.carts
    ),
    touches as (
      insert into analytics_touches (tenant_id, visitor, day, channel, first_at)
      select ?, visitor, day, channel, min(occurred_at) from steps group by visitor, day, channel
      on conflict (tenant_id, visitor, day, channel) do update set first_at = excluded.first_at
        where excluded.first_at < analytics_touches.first_at
    ),
    identities as (
      insert into analytics_identities (tenant_id, customer_id, anonymous_id)
      select distinct ?, customer_id, anonymous_id from steps where customer_id is not null and anonymous_id is not null
      on conflict do nothing
    )
    select client_event_id, occurred_at from ins
    `,
    [JSON.stringify(rows), tenantId, tenantId, tenantId, tenantId, tenantId, tenantId],
  );
  return inserted;
}

/** Deletes raw rows (and funnel visitor rows) older than the tenant's retention; answers rows deleted. */
export async function deleteExpiredTracking(tx: Tx, retentionDays: number): Promise<number> {
  const cutoff = `now() - make_interval(days => ${Math.trunc(retentionDays)})`;
  const raw = await tx.raw(`delete from analytics_tracking_events where occurred_at < ${cutoff}`);
  await tx.raw(`delete from analytics_funnel_visitors where day < (${cutoff})::date`);
  return raw.rowCount ?? 0;
}

/** Partition upkeep, independent of tenants: months ahead made, months past the longest retention dropped. */
export async function maintainPartitions(
  tx: Tx,
  monthsAhead: number,
  maxRetentionDays: number,
): Promise<{ created: number; dropped: number }> {
  const [created] = (
    await tx.raw<{ rows: { n: number }[] }>(
      `select analytics_ensure_partitions(now(), now() + make_interval(months => ?)) as n`,
      [monthsAhead],
    )
  ).rows;
  const [dropped] = (
    await tx.raw<{ rows: { n: number }[] }>(
      `select analytics_drop_partitions_before(now() - make_interval(days => ?)) as n`,
      [maxRetentionDays],
    )
  ).rows;
  return { created: created.n, dropped: dropped.n };
}
