import { recordManualPayment } from '../../db/season/payments';
import { listSubscriptions } from '../../db/season/subscriptions';
import {
  cancelSubscription,
  expireEnded,
  pauseSubscription,
  resumeSubscription,
} from '../../db/season/subscription-changes';
import { applyChange, assertAllowed, previewChange, purchaseSubscription } from '../../db/season/purchase';
import {
  cancelStripe,
  seasonStripe,
  setStripePause,
  stripeSeasonBiller,
} from '../../integrations/season/stripe-billing';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { actsFor } from '../ownership';
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
import { loadSubscription, subscriptionView, summaryView } from './subscriptions-view';

/** Season packages and subscriptions: purchase, pause, resume, cancel, expire, package changes, manual payments. */
export function subscriptionsRoutes(deps: RouterDeps): void {
  packagesRoutes(deps);
  const tags = ['season'];
  const module = 'season' as const;
  const responses = { 200: { description: 'Subscription', schema: Subscription } };
  const stripeBiller = () => stripeSeasonBiller(deps.config);

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
      if (!actsFor(auth, body.customer_id)) throw notFound('Customer');
      const provider = body.provider ?? deps.payments.name;
      const sub = await purchaseSubscription(tx, auth.tenantId, { ...body, provider }, stripeBiller);
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
      const updated = await expireEnded(tx, auth.tenantId, sub, new Date());
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
      const updated = body.apply ? await applyChange(tx, auth.tenantId, sub, change, stripeBiller) : null;
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
      await recordManualPayment(tx, auth.tenantId, sub, body);
      return { status: 201, body: await subscriptionView(tx, sub) };
    },
  });
}
