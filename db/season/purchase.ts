import type { Tx } from '../connection';
import { emit } from '../platform/outbox';
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
import { eventsInScope, loadPackage, type PackageRow } from './packages';
import { insertPayment } from './payments';
import { customerContact, insertSubscription, updateSubscription, type SubscriptionRow } from './subscriptions';

/** What the payment provider opened for a new subscription. */
export interface ProviderBilling {
  stripe_customer_id: string;
  stripe_subscription_id: string | null;
  stripe_subscription_schedule_id: string | null;
  /** What the first invoice charges. */
  first_amount_minor: number;
}

/**
 * The provider side of purchases and package changes (Stripe, from integrations/season), handed in
 * by the caller: db/ runs the SQL and calls it at the one point of the flow where it belongs.
 */
export interface SeasonBiller {
  startBilling(input: {
    sub: SubscriptionRow;
    pkg: PackageRow;
    customer: { email: string; name: string };
  }): Promise<ProviderBilling>;
  changePackage(input: {
    sub: SubscriptionRow;
    pkg: PackageRow;
    netMinor: number;
    changeId: string;
  }): Promise<{ ref: string | null; settled: boolean }>;
}

/** The Stripe biller, made on first use (it refuses with 422 when the deployment has no Stripe key). */
export type StripeBillerFactory = () => SeasonBiller;

/** 409 `illegal_transition` when the subscription's status does not allow the action. */
export function assertAllowed(sub: SubscriptionRow, action: SubscriptionAction): void {
  if (!allows(action, sub.status))
    throw conflict('illegal_transition', `A ${sub.status} subscription cannot ${action.replace('_', ' ')}`, {
      subscription_status: sub.status,
      action,
    });
}

export interface PurchaseInput {
  package_id: number;
  customer_id: number;
  provider: 'stripe' | 'offline';
  instalments?: number;
  auto_renew?: boolean;
}

/**
 * Buys a package for a customer at its price now (pro rata mid-season), then bills it: through Stripe (a
 * Subscription, or a Schedule of instalments), or offline, where the payment stays pending until recorded.
 */
export async function purchaseSubscription(
  tx: Tx,
  tenantId: string,
  input: PurchaseInput,
  stripeBiller: StripeBillerFactory,
  now = new Date(),
): Promise<SubscriptionRow> {
  const customer = await customerContact(tx, input.customer_id);
  if (!customer) throw notFound('Customer');
  const pkg = await loadPackage(tx, input.package_id);
  if (pkg.status !== 'active') throw unprocessable('package_inactive', 'This season package is not on sale');
  const instalments = input.instalments ?? 1;
  if (instalments > 1 && pkg.billing_cycle !== 'one-time')
    throw unprocessable('instalments_one_time_only', 'Only one-time packages are paid in instalments');
  const price = purchasePrice({
    type: pkg.type,
    billingCycle: pkg.billing_cycle,
    priceMinor: pkg.price_minor,
    events: await eventsInScope(tx, pkg, now),
  });
  if (price === null || now >= pkg.season_ends_at)
    throw unprocessable('season_over', 'This season has no event left to attend');
  const biller = input.provider === 'stripe' ? stripeBiller() : null;
  const autoRenew = input.auto_renew ?? true;
  let sub = await insertSubscription(tx, tenantId, {
    package_id: pkg.id,
    customer_id: input.customer_id,
    flex_credits_remaining: pkg.flex_credits,
    price_minor: price,
    currency: pkg.currency,
    starts_at: now > pkg.season_starts_at ? now : pkg.season_starts_at,
    ends_at: pkg.season_ends_at,
    auto_renew: autoRenew,
    renews_at: autoRenew ? pkg.season_ends_at : null,
    payment_provider: input.provider,
    instalments,
  });
  let firstAmount = price;
  if (biller) {
    const { first_amount_minor, ...ids } = await biller.startBilling({ sub, pkg, customer });
    firstAmount = first_amount_minor;
    sub = await updateSubscription(tx, sub.id, ids);
  }
  await insertPayment(tx, tenantId, {
    subscription_id: sub.id,
    kind: 'purchase',
    amount_minor: firstAmount,
    currency: sub.currency,
    provider: input.provider,
    status: 'pending',
  });
  await emit(tx, tenantId, {
    type: 'season.subscription_started',
    aggregateType: 'season_subscription',
    aggregateId: sub.id,
    payload: {
      subscription_id: sub.id,
      package_id: pkg.id,
      customer_id: sub.customer_id,
      price_minor: sub.price_minor,
      currency: sub.currency,
      payment_provider: input.provider,
      starts_at: sub.starts_at.toISOString(),
      ends_at: sub.ends_at.toISOString(),
      renews_at: sub.renews_at?.toISOString() ?? null,
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
  tx: Tx,
  tenantId: string,
  sub: SubscriptionRow,
  change: PackageChange,
  stripeBiller: StripeBillerFactory,
): Promise<SubscriptionRow> {
  const { to, netMinor } = change;
  const billed =
    sub.payment_provider === 'stripe'
      ? await stripeBiller().changePackage({
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
