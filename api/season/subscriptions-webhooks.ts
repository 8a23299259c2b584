import type Stripe from 'stripe';
import { z } from 'zod';
import { withTenant, type Tx } from '../../db/connection';
import {
  announcePayment,
  claimProviderEvent,
  insertPayment,
  paymentByRef,
  pendingUnreferenced,
  settlePayment,
  type PaymentKind,
  type SeasonPaymentRow,
} from '../../db/season/payments';
import { cancelSubscription, pauseSubscription, resumeSubscription } from '../../db/season/subscription-changes';
import { getSubscription, updateSubscription, type SubscriptionRow } from '../../db/season/subscriptions';
import { getPackage } from '../../db/season/packages';
import type { RouterDeps } from '../deps';

export const SEASON_STRIPE_EVENTS = [
  'invoice.paid',
  'invoice.payment_failed',
  'customer.subscription.updated',
  'customer.subscription.deleted',
] as const;

const Metadata = z.object({
  tenant_id: z.string().min(1),
  season_subscription_id: z.coerce.number().int().positive(),
});

/** Where our ids sit: on the subscription, on an invoice's subscription details, or on the invoice itself. */
function metadataOf(event: Stripe.Event): unknown {
  const object = event.data.object as {
    metadata?: unknown;
    parent?: { subscription_details?: { metadata?: unknown } | null } | null;
  };
  const fromParent = object.parent?.subscription_details?.metadata;
  return fromParent && Metadata.safeParse(fromParent).success ? fromParent : object.metadata;
}

/** Which season payment an invoice is: the first one buys, later cycles pay instalments (or, annual, a renewal). */
async function kindOf(tx: Tx, sub: SubscriptionRow, invoice: Stripe.Invoice): Promise<PaymentKind> {
  if (invoice.billing_reason === 'subscription_create') return 'purchase';
  if (invoice.billing_reason === 'manual') return 'proration';
  const pkg = await getPackage(tx, sub.package_id);
  return pkg?.billing_cycle === 'annual' ? 'renewal' : 'instalment';
}

async function onInvoice(tx: Tx, tenantId: string, sub: SubscriptionRow, invoice: Stripe.Invoice, paid: boolean) {
  if (!invoice.id) return;
  const status = paid ? 'succeeded' : 'failed';
  const failure_reason = paid ? null : (invoice.last_finalization_error?.message ?? 'The payment failed');
  const attempt = Math.max(1, invoice.attempt_count ?? 1);
  const kind = await kindOf(tx, sub, invoice);
  const known =
    (await paymentByRef(tx, 'stripe', invoice.id)) ??
    (await pendingUnreferenced(tx, sub.id, kind === 'purchase' ? ['purchase'] : [kind]));
  let payment: SeasonPaymentRow;
  if (known) {
    // A paid invoice stays paid; a late failure notice for it changes nothing.
    if (known.status === 'succeeded' || (known.status === status && known.attempt >= attempt)) return;
    payment = await settlePayment(tx, known.id, { status, provider_ref: invoice.id, failure_reason, attempt });
  } else {
    payment = await insertPayment(tx, tenantId, {
      subscription_id: sub.id,
      kind,
      amount_minor: paid ? invoice.amount_paid : invoice.amount_due,
      currency: sub.currency,
      provider: 'stripe',
      provider_ref: invoice.id,
      status,
      attempt,
      failure_reason,
    });
  }
  await announcePayment(tx, tenantId, payment);
}

/** Stripe's view of the subscription wins for pause, resume and cancellation done in Stripe's dashboard. */
async function onSubscription(
  tx: Tx,
  tenantId: string,
  sub: SubscriptionRow,
  object: Stripe.Subscription,
  deleted: boolean,
) {
  const now = new Date();
  if (deleted) {
    if (sub.status === 'active' || sub.status === 'paused') await cancelSubscription(tx, tenantId, sub, false, now);
    return;
  }
  const pause = object.pause_collection;
  if (pause && sub.status === 'active') {
    const resumeAt = pause.resumes_at ? new Date(pause.resumes_at * 1000) : sub.ends_at;
    await pauseSubscription(tx, tenantId, sub, resumeAt);
  } else if (!pause && sub.status === 'paused') await resumeSubscription(tx, tenantId, sub);
  if (object.cancel_at_period_end && !sub.cancel_at_period_end && sub.status === 'active')
    await cancelSubscription(tx, tenantId, sub, true, now);
  else if (!object.cancel_at_period_end && sub.cancel_at_period_end && sub.status === 'active')
    await updateSubscription(tx, sub.id, { cancel_at_period_end: false });
}

/**
 * Applies a Stripe subscription or invoice event to its season subscription, once: the event id is recorded in
 * the same transaction, so a repeated delivery changes nothing. Events that are not ours are ignored.
 */
export async function handleSeasonStripeEvent(deps: Pick<RouterDeps, 'db'>, event: Stripe.Event): Promise<void> {
  if (!(SEASON_STRIPE_EVENTS as readonly string[]).includes(event.type)) return;
  const meta = Metadata.safeParse(metadataOf(event));
  if (!meta.success) return;
  const { tenant_id: tenantId, season_subscription_id: id } = meta.data;
  await withTenant(deps.db, tenantId, async (tx) => {
    const sub = await getSubscription(tx, id, true);
    if (!sub || sub.payment_provider !== 'stripe') return;
    if (!(await claimProviderEvent(tx, tenantId, { provider: 'stripe', id: event.id, type: event.type }))) return;
    if (event.type === 'invoice.paid' || event.type === 'invoice.payment_failed')
      await onInvoice(tx, tenantId, sub, event.data.object, event.type === 'invoice.paid');
    else if (
      (event.type === 'customer.subscription.updated' || event.type === 'customer.subscription.deleted') &&
      event.data.object.id === sub.stripe_subscription_id
    )
      await onSubscription(tx, tenantId, sub, event.data.object, event.type === 'customer.subscription.deleted');
  });
}
