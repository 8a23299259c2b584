import { z } from 'zod';
import { EVENT_STATUSES } from '../../domain/events/lifecycle';
import {
  AfterParam,
  Category,
  Currency,
  Tags,
  ExternalRef,
  MinorUnits,
  Timestamp,
  limitParam,
  optionalText,
  text,
} from '../schemas/common';

const TimeZone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Berlin');

const Venue = z.strictObject({
  name: text(200),
  address: optionalText(500),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
});

export const CreateEvent = z
  .strictObject({
    name: text(200),
    description: optionalText(5000),
    venue: Venue,
    timezone: TimeZone,
    starts_at: Timestamp,
    ends_at: Timestamp,
    capacity: z.number().int().min(0).max(1_000_000),
    status: z.enum(['draft', 'on_sale']).default('draft'),
    allow_reentry: z.boolean().default(false),
    external_ref: ExternalRef.optional(),
    category: Category.nullable().optional(),
    tags: Tags.optional(),
  })
  .refine((e) => Date.parse(e.ends_at) > Date.parse(e.starts_at), {
    path: ['ends_at'],
    message: 'must be after starts_at',
  });

export const UpdateEvent = z.strictObject({
  name: text(200).optional(),
  description: optionalText(5000),
  venue: Venue.partial().strict().optional(),
  timezone: TimeZone.optional(),
  starts_at: Timestamp.optional(),
  ends_at: Timestamp.optional(),
  capacity: z.number().int().min(0).max(1_000_000).optional(),
  status: z.enum(EVENT_STATUSES).optional(),
  allow_reentry: z.boolean().optional(),
  category: Category.nullable().optional(),
  tags: Tags.optional(),
});

export const Event = z
  .object({
    id: z.number().int(),
    external_ref: z.string().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    venue: z.object({
      name: z.string(),
      address: z.string().nullable(),
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
    }),
    timezone: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    capacity: z.number().int(),
    status: z.enum(EVENT_STATUSES),
    allow_reentry: z.boolean(),
    category: z.string().nullable().meta({ description: 'e.g. concerts, festivals (segments filter on it)' }),
    tags: z.array(z.string()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Event' });

export const EventQuery = z.object({
  status: z.enum(EVENT_STATUSES).optional(),
  from: Timestamp.optional().meta({ description: 'Only events ending at or after this time' }),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const CreateTicketType = z.strictObject({
  name: text(200),
  price_minor: MinorUnits,
  currency: Currency,
  inventory: z.number().int().min(0).max(1_000_000),
  sales_start_at: Timestamp.nullable().optional(),
  sales_end_at: Timestamp.nullable().optional(),
  /** Streaming: whether the ticket admits in person, to the event's streams (virtual) or both (hybrid). */
  attendance: z.enum(['in_person', 'virtual', 'both']).optional(),
  /** Streaming: hours the replay of an ended stream stays open to holders; null takes the tenant's default. */
  replay_window_hours: z.number().int().min(0).max(8760).nullable().optional(),
});

export const UpdateTicketType = z.strictObject({
  name: text(200).optional(),
  price_minor: MinorUnits.optional(),
  inventory: z.number().int().min(0).max(1_000_000).optional(),
  sales_start_at: Timestamp.nullable().optional(),
  sales_end_at: Timestamp.nullable().optional(),
  /** Streaming: whether the ticket admits in person, to the event's streams (virtual) or both (hybrid). */
  attendance: z.enum(['in_person', 'virtual', 'both']).optional(),
  /** Streaming: hours the replay of an ended stream stays open to holders; null takes the tenant's default. */
  replay_window_hours: z.number().int().min(0).max(8760).nullable().optional(),
});

export const TicketType = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    name: z.string(),
    price_minor: z.number().int(),
    currency: z.string(),
    inventory: z.number().int(),
    sold: z.number().int(),
    available: z.number().int(),
    sales_start_at: z.string().nullable(),
    sales_end_at: z.string().nullable(),
    attendance: z.enum(['in_person', 'virtual', 'both']),
    replay_window_hours: z.number().int().nullable(),
  })
  .meta({ id: 'TicketType' });

export const EventSummary = z
  .object({
    event_id: z.number().int(),
    tickets_sold: z.number().int(),
    tickets_cancelled: z.number().int(),
    revenue_minor: z.number().int(),
    currency: z.string().nullable(),
    orders: z.number().int(),
    computed_at: z.string(),
  })
  .meta({ id: 'EventSummary' });
