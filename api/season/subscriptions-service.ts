import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { eventsInScope, type PackageRow } from '../../db/season/packages';
import { insertPayment, listPayments, type SeasonPaymentRow } from '../../db/season/payments';
import {
  customerContact,
  getSubscription,
  insertSubscription,
  updateSubscription,
  type SubscriptionRow,
} from '../../db/season/subscriptions';
import { allows, type SubscriptionAction } from '../../domain/season/packages';
import {
  changeProration,
  monthlyPeriod,
  purchasePrice,
  timeShare,
  type ChangeProration,
  type Share,
} from '../../domain/season/proration';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { actsFor } from '../ownership';
import type { Auth } from '../route';
import { isoOrNull } from '../schemas/common';
import { loadPackage } from './packages';
import type { CreateSubscription, SeasonPayment, Subscription } from './subscriptions-schemas';
import { changeStripePackage, seasonStripe, startStripeBilling } from './subscriptions-stripe';

/** A subscription the caller may see (a customer token sees only its own), else 404. */
export async function loadSubscription(tx: Tx, auth: Auth, id: number, forUpdate = false): Promise<SubscriptionRow> {
  const sub = await getSubscription(tx, id, forUpdate);
  if (!sub || !actsFor(auth, sub.customer_id)) throw notFound('Season subscription');
  return sub;
}

/** 409 `illegal_transition` when the subscription's status does not allow the action. */
export function assertAllowed(sub: SubscriptionRow, action: SubscriptionAction): void {
  if (!allows(action, sub.status))
    throw conflict('illegal_transition', `A ${sub.status} subscription cannot ${action.replace('_', ' ')}`, {
      subscription_status: sub.status,
      action,
    });
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

/**
 * Buys a package for a customer at its price now (pro rata mid-season), then bills it: through Stripe (a
 * Subscription, or a Schedule of instalments), or offline, where the payment stays pending until recorded.
 */
export async function purchase(
  deps: RouterDeps,
  tx: Tx,
  auth: Auth,
  body: z.infer<typeof CreateSubscription>,
): Promise<SubscriptionRow> {
  if (!actsFor(auth, body.customer_id)) throw notFound('Customer');
  const customer = await customerContact(tx, body.customer_id);
  if (!customer) throw notFound('Customer');
  const pkg = await loadPackage(tx, body.package_id);
  if (pkg.status !== 'active') throw unprocessable('package_inactive', 'This season package is not on sale');
  const instalments = body.instalments ?? 1;
  if (instalments > 1 && pkg.billing_cycle !== 'one-time')
    throw unprocessable('instalments_one_time_only', 'Only one-time packages are paid in instalments');
  const now = new Date();
  const price = purchasePrice({
    type: pkg.type,
    billingCycle: pkg.billing_cycle,
    priceMinor: pkg.price_minor,
    events: await eventsInScope(tx, pkg, now),
  });
  if (price === null || now >= pkg.season_ends_at)
    throw unprocessable('season_over', 'This season has no event left to attend');
  const provider = body.provider ?? deps.payments.name;
  const stripe = provider === 'stripe' ? seasonStripe(deps.config) : null;
  const autoRenew = body.auto_renew ?? true;
  let sub = await insertSubscription(tx, auth.tenantId, {
    package_id: pkg.id,
    customer_id: body.customer_id,
    flex_credits_remaining: pkg.flex_credits,
    price_minor: price,
    currency: pkg.currency,
    starts_at: now > pkg.season_starts_at ? now : pkg.season_starts_at,
    ends_at: pkg.season_ends_at,
    auto_renew: autoRenew,
    renews_at: autoRenew ? pkg.season_ends_at : null,
    payment_provider: provider,
    instalments,
  });
  let firstAmount = price;
  if (stripe) {
    const { first_amount_minor, ...ids } = await startStripeBilling(stripe, { sub, pkg, customer });
    firstAmount = first_amount_minor;
    sub = await updateSubscription(tx, sub.id, ids);
  }
  await insertPayment(tx, auth.tenantId, {
    subscription_id: sub.id,
    kind: 'purchase',
    amount_minor: firstAmount,
    currency: sub.currency,
    provider,
    status: 'pending',
  });
  await emit(tx, auth.tenantId, {
    type: 'season.subscription_started',
    aggregateType: 'season_subscription',
    aggregateId: sub.id,
    payload: {
      subscription_id: sub.id,
      package_id: pkg.id,
      customer_id: sub.customer_id,
      price_minor: sub.price_minor,
      currency: sub.currency,
      payment_provider: provider,
      starts_at: sub.starts_at.toISOString(),
      ends_at: sub.ends_at.toISOString(),
      renews_at: isoOrNull(sub.renews_at),
    },
  });
  return sub;
}

/** The share of a package a subscription has not used yet (old) or still gets (new), per the proration rule. */
async function shareNow(tx: Tx, sub: SubscriptionRow, pkg: PackageRow, now: Date, used: boolean): Promise<Share> {
  if (pkg.type === 'flex')
    return used ? { left: sub.flex_credits_remaining ?? 0, total: pkg.flex_credits ?? 0 } : { left: 1, total: 1 };
  if (pkg.billing_cycle === 'monthly') {
    const period = monthlyPeriod(sub.starts_at, now);
    return timeShare(period.start, period.end, now);
  }
  return eventsInScope(tx, pkg, now);
}

export interface PackageChange extends ChangeProration {
  from: PackageRow;
  to: PackageRow;
}

/** The proration of moving a subscription to another package now; refuses moves it cannot price. */
export async function previewChange(tx: Tx, sub: SubscriptionRow, toId: number, now: Date): Promise<PackageChange> {
  assertAllowed(sub, 'change_package');
  if (toId === sub.package_id) throw unprocessable('same_package', 'The subscription is already on this package');
  const [from, to] = [await loadPackage(tx, sub.package_id), await loadPackage(tx, toId)];
  if (to.status !== 'active') throw unprocessable('package_inactive', 'This season package is not on sale');
  if (to.currency !== from.currency)
    throw unprocessable('currency_mismatch', `The new package is priced in ${to.currency}, not ${from.currency}`);
  if (to.billing_cycle !== from.billing_cycle)
    throw unprocessable(
      'billing_cycle_mismatch',
      `The new package is billed ${to.billing_cycle}, not ${from.billing_cycle}`,
    );
  const proration = changeProration({
    oldPriceMinor: from.price_minor,
    oldPaidMinor: sub.price_minor,
    oldUnused: await shareNow(tx, sub, from, now, true),
    newPriceMinor: to.price_minor,
    newRemaining: await shareNow(tx, sub, to, now, false),
  });
  return { ...proration, from, to };
}

/** Moves the subscription and bills the proration: charged when positive, credited when negative. */
export async function applyChange(
  deps: RouterDeps,
  tx: Tx,
  tenantId: string,
  sub: SubscriptionRow,
  change: PackageChange,
): Promise<SubscriptionRow> {
  const { to, netMinor } = change;
  const billed =
    sub.payment_provider === 'stripe'
      ? await changeStripePackage(seasonStripe(deps.config), {
          sub,
          pkg: to,
          netMinor,
          // One change per package move from this state of the row: a retried request bills once.
          changeId: `${sub.package_id}-${to.id}-${sub.updated_at.getTime()}`,
        })
      : { ref: null, settled: netMinor <= 0 };
  if (netMinor !== 0)
    await insertPayment(tx, tenantId, {
      subscription_id: sub.id,
      kind: 'proration',
      amount_minor: netMinor,
      currency: sub.currency,
      provider: sub.payment_provider,
      provider_ref: billed.ref,
      status: billed.settled ? 'succeeded' : 'pending',
    });
  const updated = await updateSubscription(tx, sub.id, {
    package_id: to.id,
    price_minor: to.billing_cycle === 'monthly' ? to.price_minor : Math.max(0, sub.price_minor + netMinor),
    flex_credits_remaining: to.flex_credits,
  });
  await emit(tx, tenantId, {
    type: 'season.subscription_changed',
    aggregateType: 'season_subscription',
    aggregateId: sub.id,
    payload: {
      subscription_id: sub.id,
      customer_id: sub.customer_id,
      from_package_id: change.from.id,
      to_package_id: to.id,
      proration_minor: netMinor,
      currency: sub.currency,
    },
  });
  return updated;
}
