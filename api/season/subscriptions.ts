import { announcePayment, findPending, insertPayment, paymentByRef, settlePayment } from '../../db/season/payments';
import { listSubscriptions, updateSubscription } from '../../db/season/subscriptions';
import { cancelSubscription, pauseSubscription, resumeSubscription } from '../../db/season/subscription-changes';
import { releaseSubscriptionSeats } from '../../db/season/allocations';
import { emit } from '../../db/platform/outbox';
import { conflict, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, page, toPage } from '../schemas/common';
import { packagesRoutes } from './packages';
import {
  CancelSubscription,
  ChangePackage,
  ChangePreview,
  CreateSubscription,
  PauseSubscription,
  RecordPayment,
  Subscription,
  SubscriptionSummary,
  SubscriptionsQuery,
} from './subscriptions-schemas';
import {
  applyChange,
  assertAllowed,
  loadSubscription,
  previewChange,
  purchase,
  subscriptionView,
  summaryView,
} from './subscriptions-service';
import { cancelStripe, seasonStripe, setStripePause } from './subscriptions-stripe';

/** Season packages and subscriptions: purchase, pause, resume, cancel, expire, package changes, manual payments. */
export function subscriptionsRoutes(deps: RouterDeps): void {
  packagesRoutes(deps);
  const tags = ['season'];
  const module = 'season' as const;
  const responses = { 200: { description: 'Subscription', schema: Subscription } };

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions',
    summary: 'Buy a season package for a customer, billed through Stripe or recorded as paid offline',
    tags,
    access: { scope: 'write', customer: true, module },
    body: CreateSubscription,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Subscription } },
    handler: async ({ tx, auth, body }) => {
      const sub = await purchase(deps, tx, auth, body);
      return { status: 201, body: await subscriptionView(tx, sub) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/season/subscriptions',
    summary: "Season subscriptions (a customer token lists the customer's own)",
    tags,
    access: { scope: 'read', customer: true, module },
    query: SubscriptionsQuery,
    responses: { 200: { description: 'Subscriptions', schema: page(SubscriptionSummary) } },
    handler: async ({ tx, auth, query }) => {
      const customerId = auth.kind === 'customer' ? auth.customerId : query.customer_id;
      if (auth.kind === 'customer' && query.customer_id !== undefined && query.customer_id !== auth.customerId)
        return { body: { items: [], next_cursor: null } };
      const rows = await listSubscriptions(tx, { ...query, customer_id: customerId });
      return { body: { ...toPage(rows, query.limit), items: rows.map((r) => summaryView(r)) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/season/subscriptions/{id}',
    summary: 'A season subscription with its payments',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses,
    handler: async ({ tx, auth, params }) => ({
      body: await subscriptionView(tx, await loadSubscription(tx, auth, params.id)),
    }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions/{id}/pause',
    summary: 'Pause an active subscription until a resume date (it resumes by itself then)',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: PauseSubscription,
    idempotent: true,
    responses,
    handler: async ({ tx, auth, params, body }) => {
      const sub = await loadSubscription(tx, auth, params.id, true);
      assertAllowed(sub, 'pause');
      const resumeAt = new Date(body.resume_at);
      if (resumeAt <= new Date() || resumeAt >= sub.ends_at)
        throw unprocessable('invalid_resume_at', 'resume_at must be in the future and before the subscription ends');
      if (sub.payment_provider === 'stripe') await setStripePause(seasonStripe(deps.config), sub, resumeAt);
      return { body: await subscriptionView(tx, await pauseSubscription(tx, auth.tenantId, sub, resumeAt)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions/{id}/resume',
    summary: 'Resume a paused subscription now',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    idempotent: true,
    responses,
    handler: async ({ tx, auth, params }) => {
      const sub = await loadSubscription(tx, auth, params.id, true);
      assertAllowed(sub, 'resume');
      if (sub.payment_provider === 'stripe') await setStripePause(seasonStripe(deps.config), sub, null);
      return { body: await subscriptionView(tx, await resumeSubscription(tx, auth.tenantId, sub)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions/{id}/cancel',
    summary: 'Cancel a subscription at the end of its period (default) or now (its season seats are released)',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: CancelSubscription,
    idempotent: true,
    responses,
    handler: async ({ tx, auth, params, body }) => {
      const sub = await loadSubscription(tx, auth, params.id, true);
      assertAllowed(sub, 'cancel');
      const atPeriodEnd = body.at_period_end ?? true;
      if (atPeriodEnd && sub.cancel_at_period_end)
        throw conflict('already_cancelling', 'This subscription already ends at the end of its period');
      if (sub.payment_provider === 'stripe') await cancelStripe(seasonStripe(deps.config), sub, atPeriodEnd);
      const updated = await cancelSubscription(tx, auth.tenantId, sub, atPeriodEnd, new Date());
      return { body: await subscriptionView(tx, updated) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions/{id}/expire',
    summary: 'Expire a subscription whose period is over without renewal (its season seats are released)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    idempotent: true,
    responses,
    handler: async ({ tx, auth, params }) => {
      const sub = await loadSubscription(tx, auth, params.id, true);
      assertAllowed(sub, 'expire');
      if (sub.ends_at > new Date())
        throw conflict('period_not_over', `The subscription runs until ${sub.ends_at.toISOString()}`);
      const updated = await updateSubscription(tx, sub.id, { status: 'expired', paused_until: null, renews_at: null });
      const seats = await releaseSubscriptionSeats(tx, auth.tenantId, sub.id, 'expired');
      await emit(tx, auth.tenantId, {
        type: 'season.subscription_expired',
        aggregateType: 'season_subscription',
        aggregateId: sub.id,
        payload: {
          subscription_id: sub.id,
          customer_id: sub.customer_id,
          reason: 'not_renewed',
          seats_released: seats,
        },
      });
      return { body: await subscriptionView(tx, updated) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions/{id}/change-package',
    summary: 'Upgrade or downgrade: preview the proration, or apply it (charged when positive, credited when negative)',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: ChangePackage,
    idempotent: true,
    responses: { 200: { description: 'Proration (and the subscription when applied)', schema: ChangePreview } },
    handler: async ({ tx, auth, params, body }) => {
      const sub = await loadSubscription(tx, auth, params.id, true);
      const change = await previewChange(tx, sub, body.package_id, new Date());
      const updated = body.apply ? await applyChange(deps, tx, auth.tenantId, sub, change) : null;
      return {
        body: {
          subscription_id: sub.id,
          from_package_id: change.from.id,
          to_package_id: change.to.id,
          credit_minor: change.creditMinor,
          charge_minor: change.chargeMinor,
          net_minor: change.netMinor,
          currency: sub.currency,
          applied: updated !== null,
          subscription: updated && (await subscriptionView(tx, updated)),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions/{id}/payments',
    summary: 'Record a payment taken outside Usher (offline provider): settles a matching pending payment',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: RecordPayment,
    idempotent: true,
    responses: { 201: { description: 'Recorded', schema: Subscription } },
    handler: async ({ tx, auth, params, body }) => {
      const sub = await loadSubscription(tx, auth, params.id, true);
      if (sub.payment_provider !== 'offline')
        throw conflict('not_offline', 'This subscription is billed through Stripe: its payments come from Stripe');
      assertAllowed(sub, 'record_payment');
      const ref = body.reference ?? null;
      if (ref && (await paymentByRef(tx, 'offline', ref)))
        throw conflict('duplicate_payment_reference', `A payment with reference ${ref} is already recorded`);
      const pending = await findPending(tx, sub.id, body.kind, body.amount_minor);
      const payment = pending
        ? await settlePayment(tx, pending.id, { status: 'succeeded', provider_ref: ref })
        : await insertPayment(tx, auth.tenantId, {
            subscription_id: sub.id,
            kind: body.kind ?? 'manual',
            amount_minor: body.amount_minor,
            currency: sub.currency,
            provider: 'offline',
            provider_ref: ref,
            status: 'succeeded',
          });
      await announcePayment(tx, auth.tenantId, payment);
      return { status: 201, body: await subscriptionView(tx, sub) };
    },
  });
}
