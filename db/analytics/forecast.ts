import type { Tx } from '../connection';
import type { CurrentEvent, Forecast, PastEventSales } from '../../domain/analytics/forecast';
import { MAX_DAYS_BEFORE } from '../../domain/analytics/forecast';

/**
 * What the forecast reads, straight from the source tables (paid orders' items by time of payment),
 * so a forecast never waits on a rollup: tickets sold per whole day before each event's start.
 */

interface PastRow {
  id: number;
  category: string | null;
  capacity: number;
  starts_at: Date;
  ends_at: Date;
  daily: [number, number][];
}

/**
 * The tenant's events that ended before `endedBefore` (not cancelled, with a capacity) and their
 * daily sales. From the analytics sales rollup (net of cancellations, by hour of payment) when it
 * is there, so a forecast never scans every order of every past event; else from the orders.
 */
export async function pastEventSales(tx: Tx, endedBefore: Date): Promise<PastEventSales[]> {
  const {
    rows: [rollup],
  } = await tx.raw<{ rows: { t: string | null }[] }>(`select to_regclass('analytics_sales_hourly')::text as t`);
  const perDay = rollup.t
    ? `select least(?::int, greatest(0, floor(extract(epoch from e.starts_at - h.hour) / 86400)))::int as k,
         sum(h.tickets - h.cancelled_tickets)::int as qty
       from analytics_sales_hourly h
       where h.tenant_id = e.tenant_id and h.event_id = e.id
       group by 1`
    : `select least(?::int, greatest(0, floor(extract(epoch from e.starts_at - coalesce(o.paid_at, o.created_at)) / 86400)))::int as k,
         sum(oi.quantity)::int as qty
       from orders o join order_items oi on oi.order_id = o.id and oi.tenant_id = o.tenant_id
       where o.tenant_id = e.tenant_id and o.event_id = e.id and o.status = 'paid'
       group by 1`;
  const { rows } = await tx.raw<{ rows: PastRow[] }>(
    `select e.id, e.category, e.capacity, e.starts_at, e.ends_at,
        coalesce((select json_agg(json_build_array(b.k, b.qty)) from (${perDay}) b), '[]'::json) as daily
      from events e
      where e.ends_at < ? and e.status <> 'cancelled' and e.capacity > 0
      order by e.starts_at, e.id`,
    [MAX_DAYS_BEFORE, endedBefore],
  );
  return rows.map((r) => {
    const daily = new Array<number>(MAX_DAYS_BEFORE + 1).fill(0);
    // Net of cancellations a day's figure can dip below zero; the curve counts what was kept.
    for (const [k, qty] of r.daily) daily[k] += Math.max(0, qty);
    return {
      id: r.id,
      category: r.category,
      capacity: r.capacity,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      daily,
    };
  });
}

export interface UpcomingEvent extends CurrentEvent {
  name: string;
  status: string;
}

interface UpcomingRow {
  id: number;
  name: string;
  status: string;
  category: string | null;
  capacity: number;
  starts_at: Date;
  sold: number;
  sold_7d: number;
  waitlist: number;
}

/**
 * Events yet to start (not cancelled), or the one `eventId` whatever its state, with what the
 * forecast needs about each: tickets sold, sold in the last 7 days, waiting on the waitlist and
 * storefront views in the last 7 days (from the analytics funnel rollup).
 */
export async function eventsToForecast(
  tx: Tx,
  now: Date,
  filter: { eventId?: number; after?: number; limit: number },
): Promise<UpcomingEvent[]> {
  const where = filter.eventId
    ? tx.raw('e.id = ?', [filter.eventId])
    : tx.raw(`e.starts_at > ? and e.status <> 'cancelled' and e.id > ?`, [now, filter.after ?? 0]);
  const { rows } = await tx.raw<{ rows: UpcomingRow[] }>(
    `select e.id, e.name, e.status, e.category, e.capacity, e.starts_at,
        coalesce(s.sold, 0)::int as sold, coalesce(s.sold_7d, 0)::int as sold_7d,
        (select count(*) from waitlist_entries w
          where w.tenant_id = e.tenant_id and w.event_id = e.id and w.status = 'waiting')::int as waitlist
      from events e
      left join lateral (
        select sum(oi.quantity) as sold,
          sum(oi.quantity) filter (where coalesce(o.paid_at, o.created_at) > ?::timestamptz - interval '7 days') as sold_7d
        from orders o join order_items oi on oi.order_id = o.id and oi.tenant_id = o.tenant_id
        where o.tenant_id = e.tenant_id and o.event_id = e.id and o.status = 'paid'
      ) s on true
      where ?
      order by e.id
      limit ?`,
    [now, where, filter.limit],
  );
  const views = await pageViews7d(
    tx,
    rows.map((r) => r.id),
    now,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    category: r.category,
    capacity: r.capacity,
    startsAt: r.starts_at,
    sold: r.sold,
    soldLast7d: r.sold_7d,
    waitlistSize: r.waitlist,
    pageViews7d: views === undefined ? null : (views.get(r.id) ?? 0),
  }));
}

/** Event page views of the last 7 days per event, or undefined where the tracking rollup is absent. */
async function pageViews7d(tx: Tx, eventIds: number[], now: Date): Promise<Map<number, number> | undefined> {
  const {
    rows: [exists],
  } = await tx.raw<{ rows: { t: string | null }[] }>(`select to_regclass('analytics_funnel_daily')::text as t`);
  if (!exists.t || !eventIds.length) return exists.t ? new Map() : undefined;
  const { rows } = await tx.raw<{ rows: { event_id: number; views: number }[] }>(
    `select event_id, sum(views)::int as views from analytics_funnel_daily
      where event_id = any(?) and day > (?::timestamptz - interval '7 days')::date
      group by event_id`,
    [eventIds, now],
  );
  return new Map(rows.map((r) => [r.event_id, r.views]));
}

/** Records one computed forecast (the refresh workflow's daily snapshot). */
export async function insertForecastSnapshot(
  tx: Tx,
  tenantId: string,
  eventId: number,
  computedAt: Date,
  f: Forecast,
): Promise<number> {
  const [row] = await tx('analytics_event_forecasts')
    .insert({
      tenant_id: tenantId,
      event_id: eventId,
      computed_at: computedAt,
      method: f.method,
      inputs: JSON.stringify(f.inputs),
      predicted: f.predicted_final_sales,
      lower: f.interval.lower,
      upper: f.interval.upper,
      sellout_probability: f.sellout_probability,
      suggestion: JSON.stringify(f.pricing_suggestion),
      demand: JSON.stringify(f.demand),
    })
    .returning<{ id: number }[]>('id');
  return row.id;
}

export interface ForecastSnapshotRow {
  id: number;
  event_id: number;
  computed_at: Date;
  method: 'pickup' | 'prior';
  predicted: number;
  lower: number;
  upper: number;
  sellout_probability: number;
}

/** An event's recorded forecasts, oldest first (how the prediction moved as the date came nearer). */
export async function forecastSnapshots(tx: Tx, eventId: number, limit = 400): Promise<ForecastSnapshotRow[]> {
  const rows = await tx<ForecastSnapshotRow>('analytics_event_forecasts')
    .where({ event_id: eventId })
    .orderBy('computed_at', 'desc')
    .limit(limit)
    .select('id', 'event_id', 'computed_at', 'method', 'predicted', 'lower', 'upper', 'sellout_probability');
  return rows.reverse();
}

/** The state an event's refresh loop decides on: whether it has started or was cancelled. */
export async function eventForecastState(
  tx: Tx,
  eventId: number,
): Promise<{ starts_at: Date; status: string } | undefined> {
  return tx('events').where({ id: eventId }).first('starts_at', 'status');
}
