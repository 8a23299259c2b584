import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { listPayments, type SeasonPaymentRow } from '../../db/season/payments';
import { getSubscription, type SubscriptionRow } from '../../db/season/subscriptions';
import { notFound } from '../../lib/errors';
import { actsFor } from '../ownership';
import type { Auth } from '../route';
import { isoOrNull } from '../schemas/common';
import type { SeasonPayment, Subscription } from './subscriptions-schemas';

/** A subscription the caller may see (a customer token sees only its own), else 404. */
export async function loadSubscription(tx: Tx, auth: Auth, id: number, forUpdate = false): Promise<SubscriptionRow> {
  const sub = await getSubscription(tx, id, forUpdate);
  if (!sub || !actsFor(auth, sub.customer_id)) throw notFound('Season subscription');
  return sub;
}

const paymentView = (p: SeasonPaymentRow): z.infer<typeof SeasonPayment> => ({
  id: p.id,
  kind: p.kind,
  amount_minor: p.amount_minor,
  currency: p.currency,
  status: p.status,
  provider: p.provider,
  provider_ref: p.provider_ref,
  attempt: p.attempt,
  failure_reason: p.failure_reason,
  created_at: p.created_at.toISOString(),
});

function billingNote(sub: SubscriptionRow): string {
  if (sub.payment_provider === 'offline')
    return `Paid offline: no card is charged; each payment is recorded by hand (POST /api/season/subscriptions/${sub.id}/payments).`;
  if (sub.stripe_subscription_schedule_id)
    return `Billed through Stripe in ${sub.instalments} monthly instalment${sub.instalments > 1 ? 's' : ''}.`;
  return 'Billed through a Stripe subscription.';
}

export function summaryView(sub: SubscriptionRow, payments: SeasonPaymentRow[] = []) {
  return {
    id: sub.id,
    package_id: sub.package_id,
    customer_id: sub.customer_id,
    status: sub.status,
    flex_credits_remaining: sub.flex_credits_remaining,
    price_minor: sub.price_minor,
    currency: sub.currency,
    starts_at: sub.starts_at.toISOString(),
    ends_at: sub.ends_at.toISOString(),
    auto_renew: sub.auto_renew,
    renews_at: isoOrNull(sub.renews_at),
    paused_until: isoOrNull(sub.paused_until),
    cancel_at_period_end: sub.cancel_at_period_end,
    cancelled_at: isoOrNull(sub.cancelled_at),
    payment_provider: sub.payment_provider,
    paid_offline: sub.payment_provider === 'offline',
    billing_note: billingNote(sub),
    stripe_customer_id: sub.stripe_customer_id,
    stripe_subscription_id: sub.stripe_subscription_id,
    stripe_subscription_schedule_id: sub.stripe_subscription_schedule_id,
    instalments: sub.instalments,
    paid_minor: payments.filter((p) => p.status === 'succeeded').reduce((sum, p) => sum + p.amount_minor, 0),
    created_at: sub.created_at.toISOString(),
    updated_at: sub.updated_at.toISOString(),
  };
}

export async function subscriptionView(tx: Tx, sub: SubscriptionRow): Promise<z.infer<typeof Subscription>> {
  const payments = await listPayments(tx, sub.id);
  return { ...summaryView(sub, payments), payments: payments.map(paymentView) };
}
