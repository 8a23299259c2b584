import { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import * as m from '../../db/analytics/metrics';
import { isModuleEnabled } from '../../db/platform/modules';
import { rate, toCsv } from '../../domain/analytics/csv';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, type HandlerResult } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import {
  AttributionQuery,
  AttributionResult,
  ByChannel,
  ByEvent,
  CohortResult,
  ComparisonResult,
  EventPerfQuery,
  EventPerformance,
  Format,
  FunnelResult,
  GeographyResult,
  HeatmapQuery,
  HeatmapResult,
  LtvResult,
  MetricQuery,
  Overview,
  PriceResult,
  PromoResult,
  PutSpend,
  type RevenueFigures,
  RoiResult,
  SalesQuery,
  SalesSeries,
  SpendList,
  metricFilterFields,
} from './metric-schemas';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 3660;

const parseBound = (s: string, end: boolean): Date =>
  s.length === 10 ? new Date(new Date(`${s}T00:00:00Z`).getTime() + (end ? DAY_MS : 0)) : new Date(s);

/** The filters as the queries take them; a reversed or overlong range is a 400 with its own code. */
export function toFilters(q: { event_id?: number; from?: string; to?: string; channel?: string }): m.MetricFilters {
  const from = q.from ? parseBound(q.from, false) : undefined;
  const to = q.to ? parseBound(q.to, true) : undefined;
  if (from && to && from >= to)
    throw new AppError(400, 'invalid_range', '`from` must be before `to`', {
      errors: [{ path: 'query.from', message: 'must be before to', code: 'invalid_range' }],
    });
  if (from && to && to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS)
    throw new AppError(400, 'range_too_long', `A range may span at most ${MAX_RANGE_DAYS} days`, {
      errors: [{ path: 'query.to', message: `at most ${MAX_RANGE_DAYS} days after from`, code: 'range_too_long' }],
    });
  return { eventId: q.event_id, from, to, channel: q.channel };
}

type Figures = z.infer<typeof RevenueFigures>;
const figures = (r: m.RevenueRow): Figures => ({
  currency: r.currency,
  orders: r.orders,
  tickets: r.tickets,
  revenue_minor: r.revenue_minor,
  refunds_minor: r.refunds_minor,
  net_revenue_minor: r.revenue_minor - r.refunds_minor,
  refunded_tickets: r.refunded_tickets,
  cancelled_tickets: r.cancelled_tickets,
  new_customers: r.new_customers,
  returning_customers: r.returning_customers,
  promo_orders: r.promo_orders,
  average_order_value_minor: r.orders > 0 ? Math.round(r.revenue_minor / r.orders) : null,
});

const steps = (r: { views: number; carts: number; checkouts: number; purchases: number }) => ({
  view_to_cart: rate(r.carts, r.views),
  cart_to_checkout: rate(r.checkouts, r.carts),
  checkout_to_purchase: rate(r.purchases, r.checkouts),
  view_to_purchase: rate(r.purchases, r.views),
});

/** JSON, or the route's table as CSV under `?format=csv`. */
function answer(
  format: z.infer<typeof Format>,
  name: string,
  body: unknown,
  table: () => readonly object[],
): HandlerResult {
  if (format !== 'csv') return { body };
  return {
    body: toCsv(table()),
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="analytics-${name}.csv"`,
    },
  };
}

async function assertEvent(tx: Tx, eventId: number | undefined): Promise<void> {
  if (eventId !== undefined && !(await getEvent(tx, eventId))) throw notFound('Event');
}

async function performance(tx: Tx, eventId: number): Promise<z.infer<typeof EventPerformance>> {
  const [f] = await m.eventFigures(tx, [eventId]);
  if (!f) throw notFound('Event');
  const checked = await m.checkedIn(tx, eventId);
  const ended = f.status === 'ended';
  return {
    event_id: f.event_id,
    name: f.name,
    status: f.status,
    capacity: f.capacity,
    inventory: f.inventory,
    tickets_sold: f.tickets_sold,
    tickets_cancelled: f.tickets_cancelled,
    revenue_minor: f.revenue_minor,
    refunds_minor: f.refunds_minor,
    orders: f.orders,
    capacity_utilisation: rate(f.tickets_sold, f.capacity),
    checked_in: checked,
    check_in_rate: rate(checked, f.tickets_sold),
    no_shows: ended ? Math.max(0, f.tickets_sold - checked) : null,
  };
}

const average = (xs: number[]): number | null =>
  xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null;

/**
 * The dashboard's figures over the API, all read from rollups: revenue, tickets, customers, funnel,
 * attribution, promo codes, marketing ROI, cohorts, geography, lifetime value, heat map, price
 * sensitivity and event performance. Each answers CSV too (`?format=csv`).
 */
export function metricRoutes(deps: RouterDeps): void {
  const tags = ['analytics'];
  const access = { scope: 'read' as const, module: 'analytics' as const };
  const json = (description: string, schema: z.ZodType) => ({ 200: { description, schema, csv: true } });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/overview',
    summary:
      'Revenue (total, refunds, net), tickets sold/available/held/cancelled, average order value, new vs returning customers',
    tags,
    access,
    query: MetricQuery,
    responses: json('Overview', Overview),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const revenue = (await m.salesTotals(tx, f)).map(figures);
      const inv = await m.inventoryNow(tx, f.eventId);
      const sum = (k: keyof Figures) => revenue.reduce((a, r) => a + Number(r[k] ?? 0), 0);
      const body: z.infer<typeof Overview> = {
        revenue,
        tickets: {
          sold: sum('tickets') - sum('cancelled_tickets'),
          cancelled: sum('cancelled_tickets'),
          refunded: sum('refunded_tickets'),
          available: Math.max(0, inv.inventory - inv.sold),
          held: inv.held,
        },
        customers: { new: sum('new_customers'), returning: sum('returning_customers') },
      };
      return answer(query.format, 'overview', body, () => [
        ...revenue.map((r) => ({ section: 'revenue', ...r })),
        ...Object.entries(body.tickets).map(([k, v]) => ({ section: 'tickets', currency: null, [k]: v })),
        {
          section: 'customers',
          currency: null,
          new_customers: body.customers.new,
          returning_customers: body.customers.returning,
        },
      ]);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/sales',
    summary:
      'Sales over time per hour or day (velocity), with the booking curve against days before the event when filtered to one',
    tags,
    access,
    query: SalesQuery,
    responses: json('Sales series', SalesSeries),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const series = (await m.salesSeries(tx, f, query.interval)).map((r) => ({
        bucket: new Date(r.bucket).toISOString(),
        ...figures(r),
      }));
      let curve: z.infer<typeof SalesSeries>['booking_curve'] = null;
      if (f.eventId !== undefined) {
        let cumulative = 0;
        curve = (await m.bookingCurve(tx, { ...f, eventId: f.eventId })).map((r) => {
          const tickets = r.tickets - r.cancelled_tickets;
          cumulative += tickets;
          return { days_before: r.days_before, tickets, cumulative_tickets: cumulative };
        });
      }
      return answer(query.format, 'sales', { interval: query.interval, series, booking_curve: curve }, () => series);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/revenue/by-event',
    summary: 'Revenue, refunds, net revenue and tickets per event (cross-event view of the tenant)',
    tags,
    access,
    query: MetricQuery,
    responses: json('Revenue by event', ByEvent),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      const items = (await m.revenueByEvent(tx, f)).map((r) => ({
        event_id: r.event_id,
        name: r.name,
        starts_at: new Date(r.starts_at).toISOString(),
        ...figures(r),
      }));
      return answer(query.format, 'revenue-by-event', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/revenue/by-channel',
    summary: 'Revenue, refunds, net revenue and tickets per sales channel (orders.channel; unknown when not given)',
    tags,
    access,
    query: MetricQuery,
    responses: json('Revenue by channel', ByChannel),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const items = (await m.revenueByChannel(tx, f)).map((r) => ({ channel: r.channel, ...figures(r) }));
      return answer(query.format, 'revenue-by-channel', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/funnel',
    summary:
      'Conversion funnel view → cart → checkout → purchase per event and marketing channel (distinct visitors per day and step; purchases are orders, under their last touch)',
    tags,
    access,
    query: MetricQuery,
    responses: json('Funnel', FunnelResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const rows = await m.funnel(tx, f);
      const items = rows.map((r) => ({ ...r, event_id: r.event_id === 0 ? null : r.event_id, ...steps(r) }));
      const t = rows.reduce(
        (a, r) => ({
          views: a.views + r.views,
          carts: a.carts + r.carts,
          checkouts: a.checkouts + r.checkouts,
          purchases: a.purchases + r.purchases,
        }),
        { views: 0, carts: 0, checkouts: 0, purchases: 0 },
      );
      return answer(query.format, 'funnel', { totals: { ...t, ...steps(t) }, items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/attribution',
    summary: 'Orders and revenue credited to marketing channels under a first-touch, last-touch or linear model',
    tags,
    access,
    query: AttributionQuery,
    responses: json('Attribution', AttributionResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const rows = await m.attribution(tx, f, query.model);
      const totals = new Map<string, number>();
      for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.revenue_minor);
      const items = rows.map((r) => ({ ...r, share: rate(r.revenue_minor, totals.get(r.currency) ?? 0) }));
      return answer(query.format, `attribution-${query.model}`, { model: query.model, items }, () => items);
    },
  });

  const { event_id, from, to, format } = metricFilterFields;
  const noChannel = { event_id, from, to, format };
  const noEvent = { from, to, channel: metricFilterFields.channel, format };

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/promo-codes',
    summary: 'Promo code use: orders, tickets and revenue per code (from orders.promo_code)',
    tags,
    access,
    query: z.strictObject(noChannel),
    responses: json('Promo codes', PromoResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const items = await m.promoCodes(tx, f);
      return answer(query.format, 'promo-codes', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/analytics/marketing-spend',
    summary: 'Enter marketing spend per channel and month (replaces the amount of each channel and month given)',
    tags,
    access: { scope: 'write', module: 'analytics' },
    body: PutSpend,
    responses: { 200: { description: 'The spend of the months given', schema: SpendList } },
    handler: async ({ tx, auth, body }) => {
      const seen = new Set<string>();
      for (const [i, item] of body.items.entries()) {
        const key = `${item.channel}/${item.month}`;
        if (seen.has(key))
          throw new AppError(400, 'validation_failed', 'A channel and month appear twice', {
            errors: [{ path: `body.items.${i}`, message: 'duplicate channel and month', code: 'duplicate' }],
          });
        seen.add(key);
      }
      await m.upsertSpend(
        tx,
        auth.tenantId,
        body.items.map((i) => ({ ...i, month: `${i.month}-01` })),
      );
      const months = [...new Set(body.items.map((i) => i.month))];
      const all = await m.listSpend(tx, {});
      return { body: { items: all.filter((r) => months.includes(r.month)) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/marketing-spend',
    summary: 'Marketing spend entered per channel and month',
    tags,
    access,
    query: z.strictObject(noEvent),
    responses: json('Spend', SpendList),
    handler: async ({ tx, query }) => {
      const items = await m.listSpend(tx, toFilters(query));
      return answer(query.format, 'marketing-spend', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/marketing-roi',
    summary:
      'Marketing ROI and customer acquisition cost per channel: spend against last-touch revenue and new customers',
    tags,
    access,
    query: z.strictObject(noEvent),
    responses: json('ROI per channel', RoiResult),
    handler: async ({ tx, query }) => {
      const items = (await m.marketingRoi(tx, toFilters(query))).map((r) => ({
        ...r,
        cac_minor: r.new_customers > 0 && r.spend_minor > 0 ? Math.round(r.spend_minor / r.new_customers) : null,
        roi:
          r.spend_minor > 0 ? Math.round(((r.revenue_minor - r.spend_minor) / r.spend_minor) * 10_000) / 10_000 : null,
      }));
      return answer(query.format, 'marketing-roi', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/customers/cohorts',
    summary: 'Cohort retention: customers by first-purchase month, and the share buying again each later month',
    tags,
    access,
    query: z.strictObject({ from: metricFilterFields.from, to: metricFilterFields.to, format: Format }),
    responses: json('Cohorts', CohortResult),
    handler: async ({ tx, query }) => {
      const rows = await m.cohorts(tx, toFilters(query));
      const size = new Map(rows.filter((r) => r.month_offset === 0).map((r) => [r.cohort, r.customers]));
      const items = rows.map((r) => ({ ...r, retention: rate(r.customers, size.get(r.cohort) ?? 0) }));
      return answer(query.format, 'cohorts', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/customers/geography',
    summary: "Buyers, orders and revenue by the customer's country",
    tags,
    access,
    query: MetricQuery,
    responses: json('Geography', GeographyResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const items = await m.geography(tx, f);
      return answer(query.format, 'geography', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/customers/ltv',
    summary: "Customer lifetime value from the CRM module's customer metrics (source unavailable when CRM is off)",
    tags,
    access,
    query: z.strictObject({ format: Format }),
    responses: json('Lifetime value', LtvResult),
    handler: async ({ tx, query }) => {
      const on = await isModuleEnabled(tx, 'crm');
      const items = on ? await m.ltvSummary(tx) : [];
      return answer(query.format, 'ltv', { source: on ? 'crm' : 'unavailable', items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/heatmap',
    summary: 'Best-selling times: orders, tickets and revenue by weekday and hour of day (in `tz`, default UTC)',
    tags,
    access,
    query: HeatmapQuery,
    responses: json('Heat map', HeatmapResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const items = await m.heatmap(tx, f, query.tz);
      return answer(query.format, 'heatmap', { time_zone: query.tz, items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/price-sensitivity',
    summary: 'Conversion by price point: views and carts at the price shown against tickets sold at that price',
    tags,
    access,
    query: z.strictObject(noChannel),
    responses: json('Price points', PriceResult),
    handler: async ({ tx, query }) => {
      const f = toFilters(query);
      await assertEvent(tx, f.eventId);
      const items = (await m.priceSensitivity(tx, f)).map((r) => ({
        ...r,
        view_to_cart: rate(r.carts, r.views),
        view_to_purchase: rate(r.tickets_sold, r.views),
      }));
      return answer(query.format, 'price-sensitivity', { items }, () => items);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/events/{id}/performance',
    summary: "An event's capacity utilisation, sales, check-in rate and (once ended) no-shows",
    tags,
    access,
    params: IdParams,
    query: EventPerfQuery,
    responses: json('Event performance', EventPerformance),
    handler: async ({ tx, params, query }) => {
      const body = await performance(tx, params.id);
      return answer(query.format, `event-${params.id}-performance`, body, () => [body]);
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/events/{id}/comparison',
    summary:
      'An event against similar past events (same category, earlier): final sales, revenue, utilisation and tickets sold by the same days before start',
    tags,
    access,
    params: IdParams,
    query: EventPerfQuery,
    responses: json('Comparison', ComparisonResult),
    handler: async ({ tx, params, query }) => {
      const event = await getEvent(tx, params.id);
      if (!event) throw notFound('Event');
      const me = await performance(tx, params.id);
      const daysBefore = Math.max(0, Math.floor((new Date(event.starts_at).getTime() - Date.now()) / DAY_MS));
      const peerIds = await m.similarPastEvents(tx, params.id, 20);
      const peers = await m.eventFigures(tx, peerIds);
      const soldBy = await m.soldByDaysBefore(tx, [params.id, ...peerIds], daysBefore);
      const peerRows = peers.map((p) => ({
        event_id: p.event_id,
        name: p.name,
        starts_at: isoOrNull(p.starts_at) ?? '',
        tickets_sold: p.tickets_sold,
        revenue_minor: p.revenue_minor,
        capacity_utilisation: rate(p.tickets_sold, p.capacity),
        sold_by_days_before: soldBy.get(p.event_id) ?? 0,
      }));
      const utilisations = peerRows.map((p) => p.capacity_utilisation).filter((u): u is number => u !== null);
      const body: z.infer<typeof ComparisonResult> = {
        event: {
          event_id: me.event_id,
          name: me.name,
          category: (event as { category?: string | null }).category ?? null,
          tickets_sold: me.tickets_sold,
          revenue_minor: me.revenue_minor,
          capacity_utilisation: me.capacity_utilisation,
          days_before: daysBefore,
          sold_by_days_before: soldBy.get(params.id) ?? 0,
        },
        peers: peerRows,
        peer_average: {
          tickets_sold: average(peerRows.map((p) => p.tickets_sold)),
          revenue_minor: average(peerRows.map((p) => p.revenue_minor)),
          capacity_utilisation: utilisations.length ? average(utilisations) : null,
          sold_by_days_before: average(peerRows.map((p) => p.sold_by_days_before)),
        },
      };
      return answer(query.format, `event-${params.id}-comparison`, body, () => peerRows);
    },
  });
}
