import type { EventPayload } from '../../../domain/catalogue';
import type { seasonEvents } from '../../../domain/season/events';

/** Every shape the season module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const seasonEventExamples: { [K in keyof typeof seasonEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- packages and subscriptions (subscriptions) ---
  'season.subscription_started': [
    {
      subscription_id: 1,
      package_id: 2,
      customer_id: 3,
      price_minor: 30000,
      currency: 'EUR',
      payment_provider: 'stripe',
      starts_at: '2026-09-01T00:00:00.000Z',
      ends_at: '2027-06-30T00:00:00.000Z',
      renews_at: '2027-06-30T00:00:00.000Z',
    },
    {
      subscription_id: 4,
      package_id: 2,
      customer_id: 5,
      price_minor: 12000,
      currency: 'EUR',
      payment_provider: 'offline',
      starts_at: '2027-01-15T00:00:00.000Z',
      ends_at: '2027-06-30T00:00:00.000Z',
      renews_at: null,
    },
  ],
  'season.subscription_paused': [{ subscription_id: 1, customer_id: 3, resume_at: '2026-12-01T00:00:00.000Z' }],
  'season.subscription_resumed': [{ subscription_id: 1, customer_id: 3 }],
  'season.subscription_cancelled': [
    { subscription_id: 1, customer_id: 3, at_period_end: true, effective_at: '2027-06-30T00:00:00.000Z' },
    { subscription_id: 4, customer_id: 5, at_period_end: false, effective_at: '2027-02-01T10:00:00.000Z' },
  ],
  'season.subscription_changed': [
    {
      subscription_id: 1,
      customer_id: 3,
      from_package_id: 2,
      to_package_id: 6,
      proration_minor: 4500,
      currency: 'EUR',
    },
    {
      subscription_id: 1,
      customer_id: 3,
      from_package_id: 6,
      to_package_id: 2,
      proration_minor: -4500,
      currency: 'EUR',
    },
  ],
  'season.payment_succeeded': [
    {
      payment_id: 7,
      subscription_id: 1,
      kind: 'purchase',
      amount_minor: 30000,
      currency: 'EUR',
      provider: 'stripe',
    },
    { payment_id: 8, subscription_id: 4, kind: 'manual', amount_minor: 12000, currency: 'EUR', provider: 'offline' },
  ],
  'season.payment_failed': [
    {
      payment_id: 9,
      subscription_id: 1,
      kind: 'instalment',
      amount_minor: 10000,
      currency: 'EUR',
      failure_reason: 'Your card was declined.',
    },
  ],
  'season.subscription_resume_due': [{ subscription_id: 1, resume_at: '2026-12-01T00:00:00.000Z' }],
  // --- end subscriptions ---
  // --- renewals (renewals) ---
  'season.renewal_reminder_sent': [
    {
      subscription_id: 1,
      customer_id: 3,
      renews_at: '2027-06-30T00:00:00.000Z',
      days_before: 30,
      amount_minor: 30000,
      currency: 'EUR',
    },
  ],
  'season.renewed': [
    {
      subscription_id: 1,
      customer_id: 3,
      payment_id: 9,
      amount_minor: 30000,
      currency: 'EUR',
      provider: 'stripe',
      attempt: 2,
      ends_at: '2028-06-30T00:00:00.000Z',
      renews_at: '2028-06-30T00:00:00.000Z',
    },
  ],
  'season.renewal_failed': [
    {
      subscription_id: 1,
      customer_id: 3,
      attempt: 1,
      amount_minor: 30000,
      currency: 'EUR',
      failure_reason: 'card_declined: Your card was declined.',
      next_retry_at: '2027-07-01T00:00:00.000Z',
      grace_ends_at: '2027-07-14T00:00:00.000Z',
    },
    {
      subscription_id: 4,
      customer_id: 5,
      attempt: 4,
      amount_minor: 12000,
      currency: 'EUR',
      failure_reason: 'awaiting_manual_payment',
      next_retry_at: null,
      grace_ends_at: '2027-07-14T00:00:00.000Z',
    },
  ],
  'season.subscription_expired': [
    { subscription_id: 1, customer_id: 3, reason: 'renewal_failed', seats_released: 1 },
    { subscription_id: 4, customer_id: 5, reason: 'not_renewed', seats_released: 0 },
  ],
  // --- end renewals ---
  // --- season seats and allocations (allocations) ---
  'season.allocations_created': [{ event_id: 7, allocated: 1200, skipped: 0 }],
  'season.allocation_claimed': [{ allocation_id: 11, subscription_id: 1, event_id: 7, ticket_id: 90, order_id: 55 }],
  'season.allocation_exchanged': [
    { allocation_id: 11, subscription_id: 1, event_id: 7, new_allocation_id: 12, new_event_id: 8, ticket_id: 91 },
  ],
  'season.allocations_released': [
    { event_id: 7, allocation_ids: [11], reason: 'holder' },
    { event_id: 7, allocation_ids: [13, 14], reason: 'unclaimed' },
  ],
  'season.release_credited': [
    { allocation_id: 11, subscription_id: 1, customer_id: 3, order_id: 60, amount_minor: 4500, currency: 'EUR' },
  ],
  'season.flex_redeemed': [{ allocation_id: 15, subscription_id: 4, event_id: 7, ticket_id: 92, credits_remaining: 2 }],
  'season.flex_credit_returned': [{ allocation_id: 15, subscription_id: 4, ticket_id: 92 }],
  // --- end allocations ---
};
