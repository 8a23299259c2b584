import type { Tx } from '../connection';

/**
 * The dashboard's reads. Every one reads rollups (never the raw tracking table); row security scopes
 * each to the request's tenant. `to` is exclusive.
 */
export interface MetricFilters {
  eventId?: number;
  from?: Date;
  to?: Date;
  channel?: string;
}

/** `where` clauses and bindings for a rollup's event, time and channel columns. */
function where(
  f: MetricFilters,
  cols: { event?: string; time?: string; channel?: string },
  extra: string[] = [],
): { sql: string; bindings: unknown[] } {
  const parts = [...extra];
  const bindings: unknown[] = [];
  if (f.eventId !== undefined && cols.event) {
    parts.push(`${cols.event} = ?`);
    bindings.push(f.eventId);
  }
  if (f.from && cols.time) {
    parts.push(`${cols.time} >= ?`);
    bindings.push(
      cols.time.endsWith('day') || cols.time.endsWith('month') ? f.from.toISOString().slice(0, 10) : f.from,
    );
  }
  if (f.to && cols.time) {
    parts.push(`${cols.time} < ?`);
    bindings.push(cols.time.endsWith('day') || cols.time.endsWith('month') ? f.to.toISOString().slice(0, 10) : f.to);
  }
  if (f.channel !== undefined && cols.channel) {
    parts.push(`${cols.channel} = ?`);
    bindings.push(f.channel);
  }
  return { sql: parts.length ? `where ${parts.join(' and ')}` : '', bindings };
}

const SALES_COLS = { event: 'event_id', time: 'hour', channel: 'channel' };

async function rows<T>(tx: Tx, sql: string, bindings: unknown[]): Promise<T[]> {
  return (await tx.raw<{ rows: T[] }>(sql, bindings as never)).rows;
}

export interface RevenueRow {
  currency: string;
  orders: number;
  tickets: number;
  revenue_minor: number;
  refunds_minor: number;
  refunded_tickets: number;
  cancelled_tickets: number;
  new_customers: number;
  returning_customers: number;
  promo_orders: number;
}

const SUMS = `sum(orders)::int as orders, sum(tickets)::int as tickets, sum(revenue_minor)::bigint as revenue_minor,
  sum(refunds_minor)::bigint as refunds_minor, sum(refunded_tickets)::int as refunded_tickets,
  sum(cancelled_tickets)::int as cancelled_tickets, sum(new_customers)::int as new_customers,
  sum(returning_customers)::int as returning_customers, sum(promo_orders)::int as promo_orders`;

const numeric = <T extends object>(r: T): T =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v]),
  ) as T;

/**
 * The whole-tenant reads use the daily rollup when no event is named and the range falls on whole
 * UTC days; otherwise the hourly one.
 */
const wholeDays = (f: MetricFilters): boolean =>
  f.eventId === undefined && [f.from, f.to].every((d) => !d || d.getTime() % 86_400_000 === 0);
const salesSource = (f: MetricFilters) =>
  wholeDays(f)
    ? { table: 'analytics_sales_daily', w: where(f, { time: 'day', channel: 'channel' }), time: 'day' }
    : { table: 'analytics_sales_hourly', w: where(f, SALES_COLS), time: 'hour' };

export async function salesTotals(tx: Tx, f: MetricFilters): Promise<RevenueRow[]> {
  const { table, w } = salesSource(f);
  return (
    await rows<RevenueRow>(
      tx,
      `select currency, ${SUMS} from ${table} ${w.sql} group by currency order by currency`,
      w.bindings,
    )
  ).map(numeric);
}

/** Tickets for sale now and held by unpaid orders (a state, not a range: only the event filter applies). */
export async function inventoryNow(
  tx: Tx,
  eventId?: number,
): Promise<{ inventory: number; sold: number; held: number }> {
  const ev = eventId === undefined ? '' : 'where event_id = ?';
  const b = eventId === undefined ? [] : [eventId];
  const [inv] = await rows<{ inventory: number; sold: number }>(
    tx,
    `select coalesce(sum(inventory), 0)::int as inventory, coalesce(sum(sold), 0)::int as sold from ticket_types ${ev}`,
    b,
  );
  const [held] = await rows<{ held: number }>(
    tx,
    `select coalesce(sum(i.quantity), 0)::int as held from orders o join order_items i on i.order_id = o.id
     where o.status = 'pending' ${eventId === undefined ? '' : 'and o.event_id = ?'}`,
    b,
  );
  return { inventory: inv.inventory, sold: inv.sold, held: held.held };
}

export interface SeriesRow extends RevenueRow {
  bucket: Date;
}

export async function salesSeries(tx: Tx, f: MetricFilters, interval: 'hour' | 'day'): Promise<SeriesRow[]> {
  const daily = interval === 'day' && wholeDays(f);
  const { table, w } = daily ? salesSource(f) : { table: 'analytics_sales_hourly', w: where(f, SALES_COLS) };
  const bucket = daily
    ? `(day::timestamp at time zone 'UTC')`
    : `date_trunc('${interval === 'day' ? 'day' : 'hour'}', hour, 'UTC')`;
  return (
    await rows<SeriesRow>(
      tx,
      `select ${bucket} as bucket, currency, ${SUMS}
       from ${table} ${w.sql} group by 1, 2 order by 1, 2`,
      w.bindings,
    )
  ).map(numeric);
}

/** Tickets sold per whole day before the event's start (0 = its last day), net of cancellations. */
export async function bookingCurve(
  tx: Tx,
  f: MetricFilters & { eventId: number },
): Promise<{ days_before: number; tickets: number; cancelled_tickets: number }[]> {
  const w = where(f, { event: 's.event_id', time: 's.hour', channel: 's.channel' });
  return (
    await rows<{ days_before: number; tickets: number; cancelled_tickets: number }>(
      tx,
      `select floor(extract(epoch from (e.starts_at - s.hour)) / 86400)::int as days_before,
         sum(s.tickets)::int as tickets, sum(s.cancelled_tickets)::int as cancelled_tickets
       from analytics_sales_hourly s join events e on e.id = s.event_id
       ${w.sql} group by 1 order by 1 desc`,
      w.bindings,
    )
  ).map(numeric);
}

export interface ByEventRow extends RevenueRow {
  event_id: number;
  name: string;
  starts_at: Date;
}

export async function revenueByEvent(tx: Tx, f: MetricFilters): Promise<ByEventRow[]> {
  const w = where(f, { event: 's.event_id', time: 's.hour', channel: 's.channel' });
  return (
    await rows<ByEventRow>(
      tx,
      `select s.event_id, e.name, e.starts_at, s.currency, ${SUMS.replace(/sum\((\w+)\)/g, 'sum(s.$1)')}
       from analytics_sales_hourly s join events e on e.id = s.event_id
       ${w.sql} group by s.event_id, e.name, e.starts_at, s.currency order by revenue_minor desc, s.event_id`,
      w.bindings,
    )
  ).map(numeric);
}

export interface ByChannelRow extends RevenueRow {
  channel: string;
}

export async function revenueByChannel(tx: Tx, f: MetricFilters): Promise<ByChannelRow[]> {
  const { table, w } = salesSource(f);
  return (
    await rows<ByChannelRow>(
      tx,
      `select channel, currency, ${SUMS} from ${table} ${w.sql}
       group by channel, currency order by revenue_minor desc, channel`,
      w.bindings,
    )
  ).map(numeric);
}

export interface FunnelRow {
  event_id: number;
  channel: string;
  views: number;
  carts: number;
  checkouts: number;
  purchases: number;
}

/** Funnel counts per event and marketing channel (event 0: views of no particular event). */
export async function funnel(tx: Tx, f: MetricFilters): Promise<FunnelRow[]> {
  const w = where(f, { event: 'event_id', time: 'day', channel: 'channel' });
  return (
    await rows<FunnelRow>(
      tx,
      `select event_id, channel, sum(views)::int as views, sum(carts)::int as carts,
         sum(checkouts)::int as checkouts, sum(purchases)::int as purchases
       from analytics_funnel_daily ${w.sql} group by event_id, channel order by event_id, channel`,
      w.bindings,
    )
  ).map(numeric);
}

export interface AttributionRow {
  channel: string;
  currency: string;
  orders: number;
  revenue_minor: number;
}

export async function attribution(
  tx: Tx,
  f: MetricFilters,
  model: 'first_touch' | 'last_touch' | 'linear',
): Promise<AttributionRow[]> {
  const col = { first_touch: 'first', last_touch: 'last', linear: 'linear' }[model];
  const w = where(f, { event: 'event_id', time: 'day', channel: 'channel' });
  return (
    await rows<AttributionRow>(
      tx,
      `select channel, currency, round(sum(${col}_orders)::numeric, 4)::float8 as orders,
         round(sum(${col}_revenue_minor))::bigint as revenue_minor
       from analytics_attribution_daily ${w.sql} group by channel, currency
       having sum(${col}_orders) > 0 order by revenue_minor desc, channel`,
      w.bindings,
    )
  ).map(numeric);
}

export interface PromoRow {
  promo_code: string;
  currency: string;
  orders: number;
  tickets: number;
  revenue_minor: number;
}

export async function promoCodes(tx: Tx, f: MetricFilters): Promise<PromoRow[]> {
  const w = where(f, { event: 'event_id', time: 'day' });
  return (
    await rows<PromoRow>(
      tx,
      `select promo_code, currency, sum(orders)::int as orders, sum(tickets)::int as tickets,
         sum(revenue_minor)::bigint as revenue_minor
       from analytics_promo_daily ${w.sql} group by promo_code, currency order by orders desc, promo_code`,
      w.bindings,
    )
  ).map(numeric);
}

export interface SpendRow {
  channel: string;
  month: string;
  amount_minor: number;
  currency: string;
}

export async function upsertSpend(tx: Tx, tenantId: string, items: readonly SpendRow[]): Promise<void> {
  if (!items.length) return;
  await tx('analytics_marketing_spend')
    .insert(items.map((i) => ({ tenant_id: tenantId, ...i })))
    .onConflict(['tenant_id', 'channel', 'month'])
    .merge(['amount_minor', 'currency', 'updated_at']);
}

export async function listSpend(tx: Tx, f: MetricFilters): Promise<SpendRow[]> {
  const w = where(f, { time: 'month', channel: 'channel' });
  return (
    await rows<SpendRow>(
      tx,
      `select channel, to_char(month, 'YYYY-MM') as month, amount_minor, currency from analytics_marketing_spend
       ${w.sql} order by month, channel`,
      w.bindings,
    )
  ).map(numeric);
}

export interface RoiRow {
  channel: string;
  currency: string;
  spend_minor: number;
  revenue_minor: number;
  orders: number;
  new_customers: number;
}

/**
 * Spend and last-touch attributed revenue, orders and new customers per channel and currency. Spend
 * is monthly: a range takes the months its days fall in. Spend is tenant-wide, so an event filter is
 * refused by the route.
 */
export async function marketingRoi(tx: Tx, f: MetricFilters): Promise<RoiRow[]> {
  const a = where(f, { time: 'day', channel: 'channel' });
  const s = where(
    { ...f, from: f.from && monthStart(f.from), to: f.to && nextMonthStart(f.to) },
    { time: 'month', channel: 'channel' },
  );
  return (
    await rows<RoiRow>(
      tx,
      `with attributed as (
         select channel, currency, sum(last_orders)::int as orders, sum(last_revenue_minor)::bigint as revenue_minor,
           sum(new_customers)::int as new_customers
         from analytics_attribution_daily ${a.sql} group by channel, currency
       ),
       spend as (
         select channel, currency, sum(amount_minor)::bigint as spend_minor from analytics_marketing_spend ${s.sql}
         group by channel, currency
       )
       select coalesce(a.channel, s.channel) as channel, coalesce(a.currency, s.currency) as currency,
         coalesce(s.spend_minor, 0) as spend_minor, coalesce(a.revenue_minor, 0) as revenue_minor,
         coalesce(a.orders, 0) as orders, coalesce(a.new_customers, 0) as new_customers
       from attributed a full join spend s on s.channel = a.channel and s.currency = a.currency
       order by 1, 2`,
      [...a.bindings, ...s.bindings],
    )
  ).map(numeric);
}

const monthStart = (d: Date): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
// `to` is exclusive: the month holding its last included instant ends the spend range.
const nextMonthStart = (d: Date): Date => {
  const last = new Date(d.getTime() - 1);
  return new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 1));
};

export interface CohortRow {
  cohort: string;
  month_offset: number;
  customers: number;
}

/** Customers by first-purchase month (the cohort) and how many bought again N months later. */
export async function cohorts(tx: Tx, f: MetricFilters): Promise<CohortRow[]> {
  const w = where(f, { time: 'first_month' });
  return (
    await rows<CohortRow>(
      tx,
      `with firsts as (
         select customer_id, min(month) as first_month from analytics_customer_months group by customer_id
       )
       select to_char(fi.first_month, 'YYYY-MM') as cohort,
         ((extract(year from m.month) - extract(year from fi.first_month)) * 12
           + extract(month from m.month) - extract(month from fi.first_month))::int as month_offset,
         count(*)::int as customers
       from (select * from firsts ${w.sql}) fi
       join analytics_customer_months m on m.customer_id = fi.customer_id
       group by 1, 2 order by 1, 2`,
      w.bindings,
    )
  ).map(numeric);
}

export interface GeographyRow {
  country: string | null;
  currency: string;
  customers: number;
  orders: number;
  tickets: number;
  revenue_minor: number;
}

/** Buyers, orders and revenue by the customer's country. */
export async function geography(tx: Tx, f: MetricFilters): Promise<GeographyRow[]> {
  const w = where(f, { event: 'l.event_id', time: 'l.hour', channel: 'l.channel' });
  return (
    await rows<GeographyRow>(
      tx,
      `with per_customer as (
         select l.customer_id, l.currency, sum(l.orders) as orders, sum(l.tickets) as tickets,
           sum(l.revenue_minor) as revenue_minor
         from analytics_order_lines l ${w.sql} group by l.customer_id, l.currency
       )
       select c.country, p.currency, count(*)::int as customers, sum(p.orders)::int as orders,
         sum(p.tickets)::int as tickets, sum(p.revenue_minor)::bigint as revenue_minor
       from per_customer p join customers c on c.id = p.customer_id
       group by c.country, p.currency order by customers desc, c.country nulls last`,
      w.bindings,
    )
  ).map(numeric);
}

export interface LtvSummary {
  customers: number;
  total_minor: number;
  average_minor: number;
  median_minor: number;
  p90_minor: number;
  currency: string | null;
}

/** Lifetime value as the CRM module keeps it in customer_metrics (per currency). */
export async function ltvSummary(tx: Tx): Promise<LtvSummary[]> {
  return (
    await rows<LtvSummary>(
      tx,
      `select currency, count(*)::int as customers, coalesce(sum(lifetime_value_minor), 0)::bigint as total_minor,
         coalesce(round(avg(lifetime_value_minor)), 0)::bigint as average_minor,
         coalesce(percentile_disc(0.5) within group (order by lifetime_value_minor), 0)::bigint as median_minor,
         coalesce(percentile_disc(0.9) within group (order by lifetime_value_minor), 0)::bigint as p90_minor
       from customer_metrics where lifetime_value_minor is not null group by currency order by currency`,
      [],
    )
  ).map(numeric);
}

export interface HeatRow {
  weekday: number;
  hour: number;
  orders: number;
  tickets: number;
  revenue_minor: number;
  currency: string;
}

/** Sales by ISO weekday (1 = Monday) and hour of day, in the given time zone. */
export async function heatmap(tx: Tx, f: MetricFilters, timeZone: string): Promise<HeatRow[]> {
  const w = where(f, SALES_COLS);
  return (
    await rows<HeatRow>(
      tx,
      `select extract(isodow from hour at time zone ?)::int as weekday, extract(hour from hour at time zone ?)::int as hour,
         currency, sum(orders)::int as orders, sum(tickets)::int as tickets, sum(revenue_minor)::bigint as revenue_minor
       from analytics_sales_hourly ${w.sql} group by 1, 2, 3 order by 1, 2, 3`,
      [timeZone, timeZone, ...w.bindings],
    )
  ).map(numeric);
}

export interface PriceRow {
  event_id: number;
  price_minor: number;
  views: number;
  carts: number;
  tickets_sold: number;
}

/**
 * Views and carts by the price shown, against tickets sold at ticket types of that price. Tracking
 * has no time in this rollup, so a date range applies to sales only; channel filters are refused.
 */
export async function priceSensitivity(tx: Tx, f: MetricFilters): Promise<PriceRow[]> {
  const p = where(f, { event: 'event_id' });
  const s = where(f, { event: 's.event_id', time: 's.hour' });
  return (
    await rows<PriceRow>(
      tx,
      `with seen as (
         select event_id, price_minor, sum(views)::int as views, sum(carts)::int as carts
         from analytics_price_points ${p.sql} group by 1, 2
       ),
       sold as (
         select s.event_id, t.price_minor, sum(s.tickets - s.cancelled_tickets)::int as tickets_sold
         from analytics_sales_hourly s join ticket_types t on t.id = s.ticket_type_id ${s.sql} group by 1, 2
       )
       select coalesce(seen.event_id, sold.event_id) as event_id, coalesce(seen.price_minor, sold.price_minor) as price_minor,
         coalesce(seen.views, 0) as views, coalesce(seen.carts, 0) as carts, coalesce(sold.tickets_sold, 0) as tickets_sold
       from seen full join sold on sold.event_id = seen.event_id and sold.price_minor = seen.price_minor
       order by 1, 2`,
      [...p.bindings, ...s.bindings],
    )
  ).map(numeric);
}

export interface EventFigures {
  event_id: number;
  name: string;
  category: string | null;
  starts_at: Date;
  status: string;
  capacity: number;
  inventory: number;
  tickets_sold: number;
  tickets_cancelled: number;
  revenue_minor: number;
  refunds_minor: number;
  orders: number;
}

/** Sales figures of events (from the rollup) with their capacity. */
export async function eventFigures(tx: Tx, eventIds: readonly number[]): Promise<EventFigures[]> {
  if (!eventIds.length) return [];
  return (
    await rows<EventFigures>(
      tx,
      `select e.id as event_id, e.name, e.category, e.starts_at, e.status, e.capacity,
         (select coalesce(sum(inventory), 0)::int from ticket_types t where t.event_id = e.id) as inventory,
         coalesce(s.tickets, 0) - coalesce(s.cancelled, 0) as tickets_sold, coalesce(s.cancelled, 0) as tickets_cancelled,
         coalesce(s.revenue_minor, 0) as revenue_minor, coalesce(s.refunds_minor, 0) as refunds_minor,
         coalesce(s.orders, 0) as orders
       from events e left join lateral (
         select sum(tickets)::int as tickets, sum(cancelled_tickets)::int as cancelled, sum(revenue_minor)::bigint as revenue_minor,
           sum(refunds_minor)::bigint as refunds_minor, sum(orders)::int as orders
         from analytics_sales_hourly h where h.event_id = e.id
       ) s on true
       where e.id = any(?::bigint[]) order by e.starts_at, e.id`,
      [`{${eventIds.map((i) => Math.trunc(i)).join(',')}}`],
    )
  ).map(numeric);
}

/** Admitted tickets of an event (first admissions, from check-in's counters). */
export async function checkedIn(tx: Tx, eventId: number): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    'select coalesce(sum(admissions), 0)::int as n from checkin_counters where event_id = ?',
    [eventId],
  );
  return row.n;
}

/** Up to `limit` earlier events of the same category (the comparison's peers), latest first. */
export async function similarPastEvents(tx: Tx, eventId: number, limit: number): Promise<number[]> {
  const list = await rows<{ id: number }>(
    tx,
    `select p.id from events e join events p on p.category is not distinct from e.category and p.id <> e.id
       and p.starts_at < e.starts_at and p.status <> 'cancelled'
     where e.id = ? order by p.starts_at desc limit ?`,
    [eventId, limit],
  );
  return list.map((r) => r.id);
}

/** Net tickets each event had sold by `daysBefore` days before its start. */
export async function soldByDaysBefore(
  tx: Tx,
  eventIds: readonly number[],
  daysBefore: number,
): Promise<Map<number, number>> {
  if (!eventIds.length) return new Map();
  const list = await rows<{ event_id: number; n: number }>(
    tx,
    `select h.event_id, coalesce(sum(h.tickets - h.cancelled_tickets), 0)::int as n
     from analytics_sales_hourly h join events e on e.id = h.event_id
     where h.event_id = any(?::bigint[]) and h.hour < e.starts_at - make_interval(days => ?)
     group by h.event_id`,
    [`{${eventIds.map((i) => Math.trunc(i)).join(',')}}`, daysBefore],
  );
  return new Map(list.map((r) => [r.event_id, r.n]));
}
