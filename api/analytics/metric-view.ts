import { type z } from 'zod';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import * as m from '../../db/analytics/metrics';
import { rate, toCsv } from '../../domain/analytics/csv';
import { AppError, notFound } from '../../lib/errors';
import { type HandlerResult } from '../route';
import { type EventPerformance, type Format, metricFilterFields, type RevenueFigures } from './metric-schemas';

export const DAY_MS = 86_400_000;
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

export type Figures = z.infer<typeof RevenueFigures>;
export const figures = (r: m.RevenueRow): Figures => ({
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

export const steps = (r: { views: number; carts: number; checkouts: number; purchases: number }) => ({
  view_to_cart: rate(r.carts, r.views),
  cart_to_checkout: rate(r.checkouts, r.carts),
  checkout_to_purchase: rate(r.purchases, r.checkouts),
  view_to_purchase: rate(r.purchases, r.views),
});

/** JSON, or the route's table as CSV under `?format=csv`. */
export function answer(
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

export async function assertEvent(tx: Tx, eventId: number | undefined): Promise<void> {
  if (eventId !== undefined && !(await getEvent(tx, eventId))) throw notFound('Event');
}

export async function performance(tx: Tx, eventId: number): Promise<z.infer<typeof EventPerformance>> {
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

export const average = (xs: number[]): number | null =>
  xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : null;

export const tags = ['analytics'];
export const access = { scope: 'read' as const, module: 'analytics' as const };
/** A figure's answer: JSON, or CSV with `?format=csv`, both documented. */
export const json = (description: string, schema: z.ZodType) => ({ 200: { description, schema, csv: true } });

const { event_id, from, to, format } = metricFilterFields;
/** Filters of the figures whose rollups keep no channel, and of those that keep no event. */
export const noChannel = { event_id, from, to, format };
export const noEvent = { from, to, channel: metricFilterFields.channel, format };
