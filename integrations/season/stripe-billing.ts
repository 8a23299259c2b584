import type Stripe from 'stripe';
import { createStripeClient } from '../../integrations/payments/stripe';
import type { Config } from '../../lib/config';
import { AppError, unprocessable } from '../../lib/errors';
import type { PackageRow } from '../../db/season/packages';
import type { ProviderBilling, SeasonBiller } from '../../db/season/purchase';
import type { SubscriptionRow } from '../../db/season/subscriptions';

/** Stripe for season billing, or 422 `provider_not_configured` when the deployment has no Stripe key. */
export function seasonStripe(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>): Stripe {
  if (!config.STRIPE_SECRET_KEY)
    throw unprocessable('provider_not_configured', 'This deployment has no Stripe key: use the offline provider');
  return createStripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL });
}

/** Every Stripe object of a season subscription carries these, so webhooks find their tenant and row. */
export const seasonMetadata = (sub: Pick<SubscriptionRow, 'tenant_id' | 'id'>): Record<string, string> => ({
  tenant_id: sub.tenant_id,
  season_subscription_id: String(sub.id),
});

const unix = (d: Date): number => Math.floor(d.getTime() / 1000);

/** A provider failure answers 502 with a stable code; the transaction (and the new subscription) rolls back. */
async function calling<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new AppError(502, 'payment_provider_error', `Stripe refused to ${what}: ${(err as Error).message}`);
  }
}

/** The instalments of a one-time price: equal parts, the remainder on the first. */
export function instalmentAmounts(totalMinor: number, count: number): number[] {
  const base = Math.floor(totalMinor / count);
  return Array.from({ length: count }, (_, i) => (i === 0 ? base + (totalMinor - base * count) : base));
}

/**
 * A Stripe Customer, then a Subscription for annual and monthly packages (cancelled by Stripe at the season's
 * end: renewing into the next season is the renewal workflow's job) or a Subscription Schedule of monthly
 * instalments for one-time packages. Idempotency keys are per subscription row, so a retried call never bills twice.
 */
export async function startStripeBilling(
  stripe: Stripe,
  input: { sub: SubscriptionRow; pkg: PackageRow; customer: { email: string; name: string } },
): Promise<ProviderBilling> {
  const { sub, pkg } = input;
  const key = `season-${sub.tenant_id}-${sub.id}`;
  const metadata = seasonMetadata(sub);
  const customer = await calling('create the customer', () =>
    stripe.customers.create(
      {
        email: input.customer.email,
        name: input.customer.name,
        metadata: { ...metadata, customer_id: String(sub.customer_id) },
      },
      { idempotencyKey: `${key}-customer` },
    ),
  );
  const product = await calling('create the product', () =>
    stripe.products.create(
      { name: pkg.name, metadata: { tenant_id: sub.tenant_id, season_package_id: String(pkg.id) } },
      { idempotencyKey: `${key}-product` },
    ),
  );
  const currency = sub.currency.toLowerCase();
  if (pkg.billing_cycle === 'one-time') {
    const amounts = instalmentAmounts(sub.price_minor, sub.instalments);
    const phase = (amount: number, months: number): Stripe.SubscriptionScheduleCreateParams.Phase => ({
      items: [{ price_data: { currency, product: product.id, unit_amount: amount, recurring: { interval: 'month' } } }],
      duration: { interval: 'month', interval_count: months },
      metadata,
    });
    const phases = [phase(amounts[0], 1)];
    if (amounts.length > 1) phases.push(phase(amounts[1], amounts.length - 1));
    const schedule = await calling('create the instalment plan', () =>
      stripe.subscriptionSchedules.create(
        { customer: customer.id, start_date: 'now', end_behavior: 'cancel', phases, metadata },
        { idempotencyKey: `${key}-schedule` },
      ),
    );
    const subscriptionId =
      typeof schedule.subscription === 'string' ? schedule.subscription : schedule.subscription?.id;
    return {
      stripe_customer_id: customer.id,
      stripe_subscription_id: subscriptionId ?? null,
      stripe_subscription_schedule_id: schedule.id,
      first_amount_minor: amounts[0],
    };
  }
  const subscription = await calling('create the subscription', () =>
    stripe.subscriptions.create(
      {
        customer: customer.id,
        items: [
          {
            price_data: {
              currency,
              product: product.id,
              unit_amount: sub.price_minor,
              recurring: { interval: pkg.billing_cycle === 'monthly' ? 'month' : 'year' },
            },
          },
        ],
        cancel_at: unix(sub.ends_at),
        proration_behavior: 'none',
        payment_behavior: 'default_incomplete',
        metadata,
      },
      { idempotencyKey: `${key}-subscription` },
    ),
  );
  return {
    stripe_customer_id: customer.id,
    stripe_subscription_id: subscription.id,
    stripe_subscription_schedule_id: null,
    first_amount_minor: sub.price_minor,
  };
}

/** Pauses (void invoices until `resumeAt`) or resumes collection; schedules without a subscription yet have nothing to pause. */
export async function setStripePause(stripe: Stripe, sub: SubscriptionRow, resumeAt: Date | null): Promise<void> {
  if (!sub.stripe_subscription_id) return;
  const id = sub.stripe_subscription_id;
  await calling(resumeAt ? 'pause the subscription' : 'resume the subscription', () =>
    stripe.subscriptions.update(id, {
      pause_collection: resumeAt ? { behavior: 'void', resumes_at: unix(resumeAt) } : '',
    }),
  );
}

/** Cancels now, or lets the subscription run to the end of its period. */
export async function cancelStripe(stripe: Stripe, sub: SubscriptionRow, atPeriodEnd: boolean): Promise<void> {
  const { stripe_subscription_id: subId, stripe_subscription_schedule_id: scheduleId } = sub;
  if (atPeriodEnd) {
    if (subId)
      await calling('cancel the subscription', () =>
        stripe.subscriptions.update(subId, { cancel_at_period_end: true }),
      );
    return;
  }
  if (scheduleId) await calling('cancel the instalment plan', () => stripe.subscriptionSchedules.cancel(scheduleId));
  else if (subId) await calling('cancel the subscription', () => stripe.subscriptions.cancel(subId));
}

/**
 * Moves the Stripe subscription to the new package's price without Stripe's own proration, then bills ours:
 * a charge as an invoice (settled by `invoice.paid`), a credit to the customer's balance. Returns the provider
 * reference and whether it is already settled.
 */
export async function changeStripePackage(
  stripe: Stripe,
  input: { sub: SubscriptionRow; pkg: PackageRow; netMinor: number; changeId: string },
): Promise<{ ref: string | null; settled: boolean }> {
  const { sub, pkg, netMinor } = input;
  const customer = sub.stripe_customer_id;
  if (!customer) return { ref: null, settled: false };
  const currency = sub.currency.toLowerCase();
  const key = `season-${sub.tenant_id}-${sub.id}-change-${input.changeId}`;
  const subId = sub.stripe_subscription_id;
  if (subId && pkg.billing_cycle !== 'one-time') {
    const current = await calling('read the subscription', () => stripe.subscriptions.retrieve(subId));
    const item = current.items.data[0];
    const product = await calling('create the product', () =>
      stripe.products.create({ name: pkg.name }, { idempotencyKey: `${key}-product` }),
    );
    await calling('change the subscription', () =>
      stripe.subscriptions.update(
        subId,
        {
          items: [
            ...(item ? [{ id: item.id, deleted: true }] : []),
            {
              price_data: {
                currency,
                product: product.id,
                unit_amount: pkg.price_minor,
                recurring: { interval: pkg.billing_cycle === 'monthly' ? 'month' : 'year' },
              },
            },
          ],
          proration_behavior: 'none',
          metadata: seasonMetadata(sub),
        },
        { idempotencyKey: `${key}-update` },
      ),
    );
  }
  if (netMinor === 0) return { ref: null, settled: true };
  if (netMinor < 0) {
    const credit = await calling('credit the customer', () =>
      stripe.customers.createBalanceTransaction(
        customer,
        { amount: netMinor, currency, description: `Season package change (subscription ${sub.id})` },
        { idempotencyKey: `${key}-credit` },
      ),
    );
    return { ref: credit.id, settled: true };
  }
  await calling('bill the proration', () =>
    stripe.invoiceItems.create(
      { customer, amount: netMinor, currency, description: `Season package change (subscription ${sub.id})` },
      { idempotencyKey: `${key}-item` },
    ),
  );
  const invoice = await calling('bill the proration', () =>
    stripe.invoices.create(
      { customer, auto_advance: true, pending_invoice_items_behavior: 'include', metadata: seasonMetadata(sub) },
      { idempotencyKey: `${key}-invoice` },
    ),
  );
  return { ref: invoice.id ?? null, settled: false };
}

/** Season billing through Stripe, as purchases and package changes call it (422 when no Stripe key is set). */
export function stripeSeasonBiller(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>): SeasonBiller {
  const stripe = seasonStripe(config);
  return {
    startBilling: (input) => startStripeBilling(stripe, input),
    changePackage: (input) => changeStripePackage(stripe, input),
  };
}
