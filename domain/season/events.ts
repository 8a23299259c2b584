import { z } from 'zod';

/** The season module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
/** The fields every allocation event starts with. */
const allocationRef = {
  allocation_id: z.number().int(),
  subscription_id: z.number().int(),
  event_id: z.number().int(),
};

export const seasonEvents = {
  // --- packages and subscriptions (subscriptions) ---
  'season.subscription_started': {
    doc: 'A customer bought a season package (through Stripe or paid offline); the renewal workflow starts from it.',
    payload: z.object({
      subscription_id: z.number().int(),
      package_id: z.number().int(),
      customer_id: z.number().int(),
      price_minor: z.number().int().describe('what the customer pays for the period, pro rata when bought mid-season'),
      currency: z.string(),
      payment_provider: z.enum(['stripe', 'offline']),
      starts_at: z.string().describe('ISO 8601'),
      ends_at: z.string().describe('ISO 8601'),
      renews_at: z.string().nullable().describe('ISO 8601; null when the subscription does not auto-renew'),
    }),
  },
  'season.subscription_paused': {
    doc: 'A subscription was paused until a resume date.',
    payload: z.object({
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      resume_at: z.string().describe('ISO 8601'),
    }),
  },
  'season.subscription_resumed': {
    doc: 'A paused subscription is active again.',
    payload: z.object({ subscription_id: z.number().int(), customer_id: z.number().int() }),
  },
  'season.subscription_cancelled': {
    doc: 'A subscription was cancelled: now, or at the end of its period (it then stays active until ends_at and does not renew).',
    payload: z.object({
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      at_period_end: z.boolean(),
      effective_at: z.string().describe('ISO 8601'),
    }),
  },
  'season.subscription_changed': {
    doc: 'A subscription moved to another package (upgrade or downgrade), with the proration charged or credited.',
    payload: z.object({
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      from_package_id: z.number().int(),
      to_package_id: z.number().int(),
      proration_minor: z.number().int().describe('positive: charged to the customer; negative: credited'),
      currency: z.string(),
    }),
  },
  'season.payment_succeeded': {
    doc: 'A season payment succeeded (Stripe invoice paid, or a manual payment recorded for the offline provider).',
    payload: z.object({
      payment_id: z.number().int(),
      subscription_id: z.number().int(),
      kind: z.enum(['purchase', 'renewal', 'instalment', 'proration', 'manual']),
      amount_minor: z.number().int(),
      currency: z.string(),
      provider: z.enum(['stripe', 'offline']),
    }),
  },
  'season.payment_failed': {
    doc: 'A season payment through Stripe failed (invoice.payment_failed).',
    payload: z.object({
      payment_id: z.number().int(),
      subscription_id: z.number().int(),
      kind: z.enum(['purchase', 'renewal', 'instalment', 'proration', 'manual']),
      amount_minor: z.number().int(),
      currency: z.string(),
      failure_reason: z.string().nullable(),
    }),
  },
  'season.subscription_resume_due': {
    doc: "A paused subscription's resume date came (dispatched at resume_at): it becomes active again unless it was resumed, paused again or cancelled meanwhile.",
    payload: z.object({ subscription_id: z.number().int(), resume_at: z.string().describe('ISO 8601') }),
  },
  // --- end subscriptions ---
  // --- renewals (renewals) ---
  'season.renewal_reminder_sent': {
    doc: 'A subscriber was e-mailed that their subscription renews soon, with the amount and the date.',
    payload: z.object({
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      renews_at: z.string().describe('ISO 8601'),
      days_before: z.number().int(),
      amount_minor: z.number().int(),
      currency: z.string(),
    }),
  },
  'season.renewed': {
    doc: 'A subscription was renewed for another billing cycle: its renewal was paid (charged, or recorded offline).',
    payload: z.object({
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      payment_id: z.number().int(),
      amount_minor: z.number().int(),
      currency: z.string(),
      provider: z.enum(['stripe', 'offline']),
      attempt: z.number().int().describe('1 for the charge on the renewal date, 2+ for retries'),
      ends_at: z.string().describe('ISO 8601: the new end of the subscription'),
      renews_at: z.string().describe('ISO 8601: the next renewal date'),
    }),
  },
  'season.renewal_failed': {
    doc: 'A renewal charge failed (or, offline, no payment was recorded yet); the subscriber was sent a dunning e-mail.',
    payload: z.object({
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      attempt: z.number().int(),
      amount_minor: z.number().int(),
      currency: z.string(),
      failure_reason: z.string(),
      next_retry_at: z.string().nullable().describe('ISO 8601; null when no retry is left before the grace end'),
      grace_ends_at: z.string().describe('ISO 8601: the subscription expires then unless paid'),
    }),
  },
  'season.subscription_expired': {
    doc: "A subscription expired (its renewal was not paid within the grace period, or it was not renewing): the holder's season seats were released.",
    payload: z.object({
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      reason: z.enum(['renewal_failed', 'not_renewed']),
      seats_released: z.number().int(),
    }),
  },
  // --- end renewals ---
  // --- season seats and allocations (allocations) ---
  'season.allocations_created': {
    doc: "Season seats were allocated for an event: one per subscription its packages cover, each holding a unit of a ticket type's inventory.",
    payload: z.object({
      event_id: z.number().int(),
      allocated: z.number().int().describe('allocations made'),
      skipped: z.number().int().describe('subscriptions left without an allocation: no inventory left for them'),
    }),
  },
  'season.allocation_claimed': {
    doc: 'A season member claimed an allocation: a ticket for the seat was issued.',
    payload: z.object({
      ...allocationRef,
      ticket_id: z.number().int(),
      order_id: z.number().int(),
    }),
  },
  'season.allocation_exchanged': {
    doc: "A season member exchanged an event's allocation for a ticket to another event; the first seat went back on sale.",
    payload: z.object({
      ...allocationRef,
      new_allocation_id: z.number().int(),
      new_event_id: z.number().int(),
      ticket_id: z.number().int(),
    }),
  },
  'season.allocations_released': {
    doc: 'Season allocations went back to single-ticket sale: released by the holder, unclaimed before the event, or the subscription ended.',
    payload: z.object({
      event_id: z.number().int(),
      allocation_ids: z.array(z.number().int()),
      reason: z.enum(['holder', 'unclaimed', 'expired', 'cancelled']),
    }),
  },
  'season.release_credited': {
    doc: "A released season seat sold again: its holder got store credit (the tenant's release_credit_percent of the price).",
    payload: z.object({
      allocation_id: z.number().int(),
      subscription_id: z.number().int(),
      customer_id: z.number().int(),
      order_id: z.number().int().describe('the order that bought the seat'),
      amount_minor: z.number().int(),
      currency: z.string(),
    }),
  },
  'season.flex_redeemed': {
    doc: 'A flex credit was redeemed for a ticket.',
    payload: z.object({
      ...allocationRef,
      ticket_id: z.number().int(),
      credits_remaining: z.number().int(),
    }),
  },
  'season.flex_credit_returned': {
    doc: 'A ticket bought with a flex credit was refunded or exchanged: the credit went back to the subscription.',
    payload: z.object({
      allocation_id: z.number().int(),
      subscription_id: z.number().int(),
      ticket_id: z.number().int(),
    }),
  },
  // --- end allocations ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const SEASON_EVENT_TYPES = Object.keys(seasonEvents) as (keyof typeof seasonEvents)[];
