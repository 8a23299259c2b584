import Stripe from 'stripe';
import type { Harness } from '../helpers/harness';
import type { TenantFixture } from '../helpers/fixtures';

export const DAY = 86_400_000;
export const at = (days: number): string => new Date(Date.now() + days * DAY).toISOString();

export interface PackageBody {
  id: number;
  price_minor: number;
  price_now_minor: number | null;
  events_total: number;
  events_left: number;
  benefits: Record<string, unknown>;
}
export interface PaymentBody {
  id: number;
  kind: string;
  amount_minor: number;
  status: string;
  provider: string;
  provider_ref: string | null;
  attempt: number;
}
export interface SubscriptionBody {
  id: number;
  status: string;
  price_minor: number;
  package_id: number;
  customer_id: number;
  paused_until: string | null;
  cancel_at_period_end: boolean;
  renews_at: string | null;
  payment_provider: string;
  paid_offline: boolean;
  billing_note: string;
  flex_credits_remaining: number | null;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  stripe_subscription_schedule_id: string | null;
  paid_minor: number;
  payments: PaymentBody[];
}
export interface Problem {
  code: string;
  errors?: { path: string; code: string }[];
}

/** A package over a season window from 30 days ago to 60 days ahead, events tagged `tag`. */
export async function createPackage(t: TenantFixture, overrides: Record<string, unknown> = {}): Promise<PackageBody> {
  const res = await t.api.post<PackageBody>('/api/season/packages', {
    name: 'Season pass',
    type: 'full',
    price_minor: 40000,
    currency: 'EUR',
    billing_cycle: 'annual',
    series_tag: 'season-2026',
    season_starts_at: at(-30),
    season_ends_at: at(60),
    benefits: { presale_hours: 48, discount_percent: 10 },
    ...overrides,
  });
  if (res.status !== 201) throw new Error(`package: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** An event of the season starting `days` from now (negative: already held), tagged as given. */
export async function createSeasonEvent(
  h: Harness,
  t: TenantFixture,
  days: number,
  extra: { tags?: string[]; category?: string } = { tags: ['season-2026'] },
): Promise<number> {
  const res = await t.api.post<{ id: number }>('/api/events', {
    name: `Match ${days}`,
    venue: { name: 'Stadium', address: '1 Main St' },
    timezone: 'Europe/Berlin',
    starts_at: at(Math.abs(days) + 1),
    ends_at: at(Math.abs(days) + 1.1),
    capacity: 100,
    status: 'on_sale',
    ...extra,
  });
  if (res.status !== 201) throw new Error(`event: ${res.status} ${JSON.stringify(res.body)}`);
  // The API only schedules events ahead; a held one is moved into the past directly.
  await h
    .owner('events')
    .where({ id: res.body.id })
    .update({ starts_at: at(days), ends_at: at(days + 0.1) });
  return res.body.id;
}

export async function createCustomer(t: TenantFixture, name = 'Fan'): Promise<number> {
  const res = await t.api.post<{ id: number }>('/api/customers', {
    email: `${name.toLowerCase()}-${Date.now()}-${Math.random()}@example.com`,
    name,
  });
  if (res.status !== 201) throw new Error(`customer: ${res.status}`);
  return res.body.id;
}

/** Posts a signed Stripe event to the webhook route. */
export async function sendStripeEvent(t: TenantFixture, event: Record<string, unknown>): Promise<number> {
  const payload = JSON.stringify({ object: 'event', api_version: '2026-10-28', ...event });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test_secret' });
  const res = await t.api.request('POST', '/api/payments/stripe/webhook', payload, {
    'content-type': 'application/json',
    'stripe-signature': signature,
  });
  return res.status;
}

export const invoiceEvent = (
  id: string,
  type: 'invoice.paid' | 'invoice.payment_failed',
  invoice: { id: string; billing_reason: string; amount: number; attempt?: number },
  meta: { tenant_id: string; season_subscription_id: string },
) => ({
  id,
  type,
  data: {
    object: {
      id: invoice.id,
      object: 'invoice',
      billing_reason: invoice.billing_reason,
      amount_paid: type === 'invoice.paid' ? invoice.amount : 0,
      amount_due: invoice.amount,
      attempt_count: invoice.attempt ?? 1,
      metadata: {},
      parent: { type: 'subscription_details', subscription_details: { metadata: meta } },
    },
  },
});
