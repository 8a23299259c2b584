import { z } from 'zod';
import { getEvent } from '../../db/events/events';
import * as m from '../../db/analytics/metrics';
import { isModuleEnabled } from '../../db/platform/modules';
import { rate } from '../../domain/analytics/csv';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import {
  CohortResult,
  ComparisonResult,
  EventPerfQuery,
  EventPerformance,
  Format,
  GeographyResult,
  HeatmapQuery,
  HeatmapResult,
  LtvResult,
  MetricQuery,
  PriceResult,
  metricFilterFields,
} from './metric-schemas';
import {
  DAY_MS,
  access,
  answer,
  assertEvent,
  average,
  json,
  noChannel,
  performance,
  tags,
  toFilters,
} from './metric-view';

/** Customers (cohorts, geography, lifetime value) and event performance: heat map, price sensitivity, capacity, comparison (CSV too). */
export function audienceMetricRoutes(deps: RouterDeps): void {
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
