import { type z } from 'zod';
import * as m from '../../db/analytics/metrics';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { ByChannel, ByEvent, FunnelResult, MetricQuery, Overview, SalesQuery, SalesSeries } from './metric-schemas';
import { audienceMetricRoutes } from './audience-metrics';
import { marketingMetricRoutes } from './marketing-metrics';
import { type Figures, access, answer, assertEvent, figures, json, steps, tags, toFilters } from './metric-view';

/**
 * The dashboard's figures over the API, all read from rollups: revenue, tickets, customers, funnel,
 * attribution, promo codes, marketing ROI, cohorts, geography, lifetime value, heat map, price
 * sensitivity and event performance. Each answers CSV too (`?format=csv`).
 */
export function metricRoutes(deps: RouterDeps): void {
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

  marketingMetricRoutes(deps);
  audienceMetricRoutes(deps);
}
