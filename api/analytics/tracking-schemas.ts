import { z } from 'zod';
import { CHANNEL_PATTERN } from '../../domain/analytics/tracking';
import { Id, IdParam, MinorUnits, Timestamp, fromDecimal } from '../schemas/common';

export const TRACKING_TYPES = ['page_view', 'event_view', 'add_to_cart', 'checkout_started'] as const;
export const MAX_BATCH = 1000;

const visitorId = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const label = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');
export const Channel = z
  .string()
  .regex(CHANNEL_PATTERN, 'a channel slug: lower-case letters, digits, _ or - (e.g. email, social, direct)')
  .meta({ examples: ['email'] });
const Country = z
  .string()
  .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals')
  .meta({ examples: ['DE'] });
const Referrer = z
  .string()
  .trim()
  .max(2000)
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');

const itemFields = {
  type: z.enum(TRACKING_TYPES),
  anonymous_id: visitorId.optional().meta({ description: "The storefront's visitor id (cookie)" }),
  event_id: Id.optional(),
  ticket_type_id: Id.optional(),
  channel: Channel.optional().meta({
    description:
      'Marketing channel; when absent it is derived from utm_medium, else `referral` with a referrer, else `direct`',
  }),
  utm_source: label.optional(),
  utm_medium: label.optional(),
  utm_campaign: label.optional(),
  referrer: Referrer.optional(),
  country: Country.optional(),
  price_minor: MinorUnits.optional().meta({ description: 'The price shown, for price sensitivity' }),
};

/**
 * One tracking item. `client_event_id` with `occurred_at` is its idempotency key: a retry must send
 * both unchanged (the raw table is partitioned by time, and a partitioned key includes the time).
 */
export const TrackItem = z
  .strictObject({
    client_event_id: visitorId.meta({
      description: 'Unique per tenant; with occurred_at, what makes a retry a duplicate',
    }),
    customer_id: Id.optional(),
    occurred_at: Timestamp,
    ...itemFields,
  })
  .refine((i) => i.anonymous_id !== undefined || i.customer_id !== undefined, {
    message: 'anonymous_id or customer_id is required',
    path: ['anonymous_id'],
  })
  .meta({ id: 'AnalyticsTrackItem' });
export type TrackItem = z.infer<typeof TrackItem>;

// Items are checked one by one in the handler (a bad item is answered, not the batch), so the
// envelope takes any objects; TrackItem documents what each must be.
export const TrackBody = z.strictObject({
  items: z
    .array(z.record(z.string(), z.unknown()).meta({ description: 'An AnalyticsTrackItem' }))
    .min(1)
    .max(MAX_BATCH),
});

export const TrackResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  results: z.array(
    z.object({
      index: z.number().int(),
      status: z.enum(['accepted', 'duplicate', 'rejected']),
      errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
    }),
  ),
});

export const BeaconQuery = z.strictObject({
  k: z.string().min(1).max(1024).meta({ description: 'A site token (`POST /api/analytics/site-tokens`)' }),
  t: z.enum(TRACKING_TYPES),
  id: visitorId.optional().meta({ description: 'client event id (idempotency); a random one when absent' }),
  a: visitorId.meta({ description: 'anonymous id' }),
  e: IdParam.optional().meta({ description: 'event id' }),
  tt: IdParam.optional().meta({ description: 'ticket type id' }),
  ch: Channel.optional(),
  us: label.optional().meta({ description: 'utm_source' }),
  um: label.optional().meta({ description: 'utm_medium' }),
  uc: label.optional().meta({ description: 'utm_campaign' }),
  r: Referrer.optional().meta({ description: 'referrer (else the Referer header)' }),
  c: Country.optional(),
  p: fromDecimal(MinorUnits).optional().meta({ description: 'price shown, minor units' }),
});

export const CreateSiteToken = z.strictObject({ name: z.string().trim().min(1).max(100) });
export const SiteToken = z.object({
  id: z.number().int(),
  name: z.string(),
  token: z.string().optional().meta({ description: 'Shown once, when created' }),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
