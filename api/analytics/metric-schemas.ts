import { z } from 'zod';
import { Currency, IdParam } from '../schemas/common';
import { Channel } from './tracking-schemas';

const DateOrTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'a date (YYYY-MM-DD) or a date-time with offset',
  )
  .refine((s) => {
    const d = new Date(s.length === 10 ? `${s}T00:00:00Z` : s);
    // Date rolls 2026-02-30 over into March: a real date reads back the same day.
    return !Number.isNaN(d.getTime()) && (s.length !== 10 || d.toISOString().slice(0, 10) === s);
  }, 'not a real date');

export const Format = z.enum(['json', 'csv']).default('json').meta({
  description: '`csv` answers the table as text/csv (RFC 4180) instead of JSON',
});

/** The filters every metric takes: an event, a date range (from inclusive, a `to` date inclusive of its day) and a channel. */
export const metricFilterFields = {
  event_id: IdParam.optional(),
  from: DateOrTime.optional().meta({ description: 'Start, inclusive (UTC day or instant)' }),
  to: DateOrTime.optional().meta({ description: 'End: a date includes its whole (UTC) day; an instant is exclusive' }),
  channel: Channel.optional().meta({
    description:
      'Sales routes: the order channel (web, box_office, app, partner, phone, other, unknown); funnel, attribution and marketing routes: the marketing channel of tracking touches',
  }),
  format: Format,
};
export const MetricQuery = z.strictObject(metricFilterFields);
export type MetricQuery = z.infer<typeof MetricQuery>;

const minor = z.number().int();
const count = z.number().int();

export const RevenueFigures = z.object({
  currency: z.string(),
  orders: count,
  tickets: count,
  revenue_minor: minor,
  refunds_minor: minor,
  net_revenue_minor: minor,
  refunded_tickets: count,
  cancelled_tickets: count,
  new_customers: count,
  returning_customers: count,
  promo_orders: count,
  average_order_value_minor: minor.nullable(),
});

export const Overview = z.object({
  revenue: z.array(RevenueFigures).meta({ description: 'Per currency: orders sold in the range and their refunds' }),
  tickets: z.object({
    sold: count.meta({ description: 'Issued in the range, less those cancelled since' }),
    cancelled: count,
    refunded: count,
    available: count.meta({ description: 'For sale now (ignores the range and channel)' }),
    held: count.meta({ description: 'Reserved by unpaid orders now (ignores the range and channel)' }),
  }),
  customers: z.object({ new: count, returning: count }),
});

export const SalesQuery = z.strictObject({
  ...metricFilterFields,
  interval: z.enum(['hour', 'day']).default('day'),
});
export const SalesSeries = z.object({
  interval: z.enum(['hour', 'day']),
  series: z.array(RevenueFigures.extend({ bucket: z.string() })),
  booking_curve: z
    .array(z.object({ days_before: z.number().int(), tickets: count, cumulative_tickets: count }))
    .nullable()
    .meta({ description: 'With event_id: net tickets sold per day before the event starts, and cumulative' }),
});

export const ByEvent = z.object({
  items: z.array(RevenueFigures.extend({ event_id: z.number().int(), name: z.string(), starts_at: z.string() })),
});
export const ByChannel = z.object({ items: z.array(RevenueFigures.extend({ channel: z.string() })) });

const ratio = z.number().nullable();
export const FunnelResult = z.object({
  totals: z.object({
    views: count,
    carts: count,
    checkouts: count,
    purchases: count,
    view_to_cart: ratio,
    cart_to_checkout: ratio,
    checkout_to_purchase: ratio,
    view_to_purchase: ratio,
  }),
  items: z.array(
    z.object({
      event_id: z.number().int().nullable().meta({ description: 'null: views not about one event' }),
      channel: z.string(),
      views: count,
      carts: count,
      checkouts: count,
      purchases: count,
      view_to_cart: ratio,
      cart_to_checkout: ratio,
      checkout_to_purchase: ratio,
      view_to_purchase: ratio,
    }),
  ),
});

export const AttributionQuery = z.strictObject({
  ...metricFilterFields,
  model: z.enum(['first_touch', 'last_touch', 'linear']).default('last_touch'),
});
export const AttributionResult = z.object({
  model: z.enum(['first_touch', 'last_touch', 'linear']),
  items: z.array(
    z.object({
      channel: z.string(),
      currency: z.string(),
      orders: z.number().meta({ description: 'Credited orders (fractional under linear)' }),
      revenue_minor: minor,
      share: ratio,
    }),
  ),
});

export const PromoResult = z.object({
  items: z.array(
    z.object({ promo_code: z.string(), currency: z.string(), orders: count, tickets: count, revenue_minor: minor }),
  ),
});

const Month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM')
  .meta({ examples: ['2026-11'] });
export const SpendItem = z.strictObject({
  channel: Channel,
  month: Month,
  amount_minor: z.number().int().min(0).max(1_000_000_000_000),
  currency: Currency,
});
export const PutSpend = z.strictObject({ items: z.array(SpendItem).min(1).max(500) });
export const SpendList = z.object({ items: z.array(SpendItem) });

export const RoiResult = z.object({
  items: z.array(
    z.object({
      channel: z.string(),
      currency: z.string(),
      spend_minor: minor,
      revenue_minor: minor.meta({ description: 'Last-touch attributed revenue' }),
      orders: count,
      new_customers: count,
      cac_minor: minor.nullable().meta({ description: 'Spend / new customers' }),
      roi: ratio.meta({ description: '(revenue - spend) / spend' }),
    }),
  ),
});

export const CohortResult = z.object({
  items: z.array(
    z.object({
      cohort: z.string(),
      month_offset: count,
      customers: count,
      retention: ratio.meta({ description: 'Share of the cohort buying in that month' }),
    }),
  ),
});

export const GeographyResult = z.object({
  items: z.array(
    z.object({
      country: z.string().nullable(),
      currency: z.string(),
      customers: count,
      orders: count,
      tickets: count,
      revenue_minor: minor,
    }),
  ),
});

export const LtvResult = z.object({
  source: z.enum(['crm', 'unavailable']).meta({ description: 'crm: customer_metrics of the CRM module' }),
  items: z.array(
    z.object({
      currency: z.string().nullable(),
      customers: count,
      total_minor: minor,
      average_minor: minor,
      median_minor: minor,
      p90_minor: minor,
    }),
  ),
});

export const HeatmapQuery = z.strictObject({
  ...metricFilterFields,
  tz: z
    .string()
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone, e.g. Europe/Berlin')
    .default('UTC'),
});
export const HeatmapResult = z.object({
  time_zone: z.string(),
  items: z.array(
    z.object({
      weekday: z.number().int().meta({ description: 'ISO weekday, 1 = Monday' }),
      hour: z.number().int(),
      currency: z.string(),
      orders: count,
      tickets: count,
      revenue_minor: minor,
    }),
  ),
});

export const PriceResult = z.object({
  items: z.array(
    z.object({
      event_id: z.number().int(),
      price_minor: minor,
      views: count,
      carts: count,
      tickets_sold: count,
      view_to_cart: ratio,
      view_to_purchase: ratio.meta({ description: 'Tickets sold per view at this price' }),
    }),
  ),
});

export const EventPerfQuery = z.strictObject({ format: Format });
export const EventPerformance = z.object({
  event_id: z.number().int(),
  name: z.string(),
  status: z.string(),
  capacity: count,
  inventory: count,
  tickets_sold: count,
  tickets_cancelled: count,
  revenue_minor: minor,
  refunds_minor: minor,
  orders: count,
  capacity_utilisation: ratio.meta({ description: 'Net tickets sold / capacity' }),
  checked_in: count,
  check_in_rate: ratio.meta({ description: 'Checked in / net tickets sold' }),
  no_shows: count.nullable().meta({ description: 'Once the event has ended: net tickets sold not checked in' }),
});

export const ComparisonResult = z.object({
  event: EventPerformance.pick({
    event_id: true,
    name: true,
    tickets_sold: true,
    revenue_minor: true,
    capacity_utilisation: true,
  }).extend({ category: z.string().nullable(), days_before: z.number().int(), sold_by_days_before: count }),
  peers: z.array(
    z.object({
      event_id: z.number().int(),
      name: z.string(),
      starts_at: z.string(),
      tickets_sold: count,
      revenue_minor: minor,
      capacity_utilisation: ratio,
      sold_by_days_before: count,
    }),
  ),
  peer_average: z.object({
    tickets_sold: z.number().nullable(),
    revenue_minor: z.number().nullable(),
    capacity_utilisation: ratio,
    sold_by_days_before: z.number().nullable(),
  }),
});
