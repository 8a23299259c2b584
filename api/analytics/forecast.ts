import { z } from 'zod';
import { eventsToForecast, forecastSnapshots, pastEventSales, type UpcomingEvent } from '../../db/analytics/forecast';
import { forecastEvent, type Forecast, type PastEventSales } from '../../domain/analytics/forecast';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { AfterParam, IdParams, limitParam } from '../schemas/common';
import { pageRoutes } from './page';

const tags = ['analytics'];
const MODULE = 'analytics' as const;

const Share = z.number().min(0).max(1);

export const ForecastSchema = z
  .object({
    event_id: z.number().int(),
    name: z.string(),
    starts_at: z.string(),
    status: z.string(),
    computed_at: z.string(),
    method: z.enum(['pickup', 'prior']).meta({
      description:
        "pickup: additive pickup over the tenant's past events at the same days-before (same category when there are 5+); prior: the documented booking curve exp(-D/21) for tenants with fewer than 5 past events",
    }),
    inputs: z.object({
      days_before: z.number(),
      sold: z.number().int(),
      capacity: z.number().int(),
      past_events_used: z.number().int(),
      past_event_ids: z.array(z.number().int()),
      similar_by: z.enum(['category', 'all', 'none']),
      category: z.string().nullable(),
      mean_pickup_share: z.number(),
      pickup_share_sd: z.number().nullable(),
      multiplicative_estimate: z.number().nullable(),
      interval_method: z.enum(['empirical_quantiles', 'normal_approximation', 'prior_lognormal']),
    }),
    predicted_final_sales: z.number(),
    interval: z.object({ level: z.number(), lower: z.number(), upper: z.number() }),
    sellout_probability: Share,
    expected_sellout_days_before: z.number().int().nullable(),
    demand: z.object({
      sold_last_7d: z.number().int().nullable(),
      expected_last_7d: z.number().nullable(),
      velocity_index: z.number().nullable(),
      pace_index: z.number().nullable(),
      waitlist_size: z.number().int().nullable(),
      page_views_7d: z.number().int().nullable(),
    }),
    pricing_suggestion: z.object({
      action: z.enum(['raise_price', 'hold', 'promote_or_discount']),
      suggested_change_pct: z.number(),
      reason: z.string(),
    }),
    path: z.array(z.object({ days_before: z.number(), expected: z.number(), lower: z.number(), upper: z.number() })),
  })
  .meta({ id: 'AnalyticsForecast' });

const ForecastDetail = ForecastSchema.extend({
  snapshots: z
    .array(
      z.object({
        computed_at: z.string(),
        method: z.enum(['pickup', 'prior']),
        predicted: z.number(),
        lower: z.number(),
        upper: z.number(),
        sellout_probability: Share,
      }),
    )
    .meta({ description: "The daily refresh's recorded forecasts, oldest first" }),
}).meta({ id: 'AnalyticsForecastDetail' });

const ForecastList = z
  .object({ items: z.array(ForecastSchema), next_cursor: z.number().int().nullable() })
  .meta({ id: 'AnalyticsForecastList' });

const ForecastListQuery = z.object({
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

type ForecastOut = z.infer<typeof ForecastSchema>;

export function toForecastOut(e: UpcomingEvent, f: Forecast, now: Date): ForecastOut {
  return {
    event_id: e.id,
    name: e.name,
    starts_at: e.startsAt.toISOString(),
    status: e.status,
    computed_at: now.toISOString(),
    ...f,
  };
}

/** Forecasts of `events` at `now` from the tenant's history (read once for all of them). */
export function forecastAll(events: UpcomingEvent[], history: PastEventSales[], now: Date): ForecastOut[] {
  return events.map((e) => toForecastOut(e, forecastEvent(e, history, now), now));
}

const CSV_COLUMNS = [
  'event_id',
  'name',
  'starts_at',
  'method',
  'days_before',
  'sold',
  'capacity',
  'predicted_final_sales',
  'interval_level',
  'lower',
  'upper',
  'sellout_probability',
  'velocity_index',
  'waitlist_size',
  'page_views_7d',
  'pricing_action',
  'suggested_change_pct',
] as const;

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote what needs it, and defuse spreadsheet formulas in text cells.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function forecastsCsv(items: ForecastOut[]): string {
  const rows = items.map((f) =>
    [
      f.event_id,
      f.name,
      f.starts_at,
      f.method,
      f.inputs.days_before,
      f.inputs.sold,
      f.inputs.capacity,
      f.predicted_final_sales,
      f.interval.level,
      f.interval.lower,
      f.interval.upper,
      f.sellout_probability,
      f.demand.velocity_index,
      f.demand.waitlist_size,
      f.demand.page_views_7d,
      f.pricing_suggestion.action,
      f.pricing_suggestion.suggested_change_pct,
    ]
      .map(csvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

/** Per-event sales forecasts (live, from the tenant's history), the list of upcoming events' forecasts, and the page. */
export function forecastRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/events/{id}/forecast',
    summary:
      "An event's predicted final sales with an 80% prediction interval, sellout probability, demand indicators and a pricing suggestion, with the method and inputs used",
    tags,
    access: { scope: 'read', module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'The forecast as of now', schema: ForecastDetail } },
    handler: async ({ tx, params }) => {
      const now = new Date();
      const [event] = await eventsToForecast(tx, now, { eventId: params.id, limit: 1 });
      if (!event) throw notFound('Event');
      const history = await pastEventSales(tx, now);
      const snapshots = await forecastSnapshots(tx, event.id);
      return {
        body: {
          ...toForecastOut(event, forecastEvent(event, history, now), now),
          snapshots: snapshots.map((s) => ({
            computed_at: s.computed_at.toISOString(),
            method: s.method,
            predicted: s.predicted,
            lower: s.lower,
            upper: s.upper,
            sellout_probability: s.sellout_probability,
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/forecasts',
    summary: 'Forecasts of every event yet to start, by event id (`?format=csv` for a spreadsheet)',
    tags,
    access: { scope: 'read', module: MODULE },
    query: ForecastListQuery,
    responses: { 200: { description: 'One forecast per upcoming event', schema: ForecastList, csv: true } },
    handler: async ({ tx, query }) => {
      const now = new Date();
      const events = await eventsToForecast(tx, now, { after: query.after, limit: query.limit + 1 });
      const more = events.length > query.limit;
      const page = events.slice(0, query.limit);
      const items = forecastAll(page, page.length ? await pastEventSales(tx, now) : [], now);
      if (query.format === 'csv')
        return {
          body: forecastsCsv(items),
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': 'attachment; filename="forecasts.csv"',
          },
        };
      return { body: { items, next_cursor: more ? page[page.length - 1].id : null } };
    },
  });

  pageRoutes(deps);
}
