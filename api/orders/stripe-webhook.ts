import Stripe from 'stripe';
import { z } from 'zod';
import { withTenant } from '../../db/connection';
import { getOrder } from '../../db/orders/orders';
import { AppError } from '../../lib/errors';
import { handleSeasonStripeEvent } from '../season/subscriptions-webhooks';
import { confirmPaymentSignal, failPaymentSignal, orderFulfilmentWorkflowId } from '../../workflows/orders/contract';
import type { RouterDeps } from '../deps';
import { definePublicRoute } from '../route';

const Metadata = z.object({ tenant_id: z.string().min(1), order_id: z.coerce.number().int().positive() });

/** Stripe tells us when a card payment completes; the signature proves it is Stripe. */
export function stripeWebhookRoutes(deps: RouterDeps): void {
  definePublicRoute(deps, {
    method: 'post',
    path: '/api/payments/stripe/webhook',
    tags: ['Orders'],
    summary:
      'Stripe webhook: payment_intent.succeeded / payment_intent.payment_failed, and season invoice / subscription events',
    description: 'Verified with the `Stripe-Signature` header and STRIPE_WEBHOOK_SECRET.',
    responses: { 200: { description: 'Accepted' }, 400: { description: 'Bad signature or payload' } },
    handler: async (ctx) => {
      const secret = deps.config.STRIPE_WEBHOOK_SECRET;
      if (!secret) throw new AppError(404, 'route_not_found', 'Stripe webhooks are not configured');
      const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(raw, ctx.get('stripe-signature'), secret);
      } catch {
        throw new AppError(400, 'invalid_signature', 'The Stripe signature does not match');
      }
      if (event.type === 'payment_intent.succeeded' || event.type === 'payment_intent.payment_failed') {
        const intent = event.data.object;
        const meta = Metadata.safeParse(intent.metadata);
        if (meta.success) {
          const order = await withTenant(deps.db, meta.data.tenant_id, (tx) => getOrder(tx, meta.data.order_id));
          if (order && order.payment_reference === intent.id) {
            const handle = deps.temporal.workflow.getHandle(orderFulfilmentWorkflowId(meta.data.tenant_id, order.id));
            if (event.type === 'payment_intent.succeeded')
              await handle.signal(confirmPaymentSignal, { reference: intent.id });
            else
              await handle.signal(failPaymentSignal, {
                reason: intent.last_payment_error?.message ?? 'payment failed',
              });
          }
        }
      }
      await handleSeasonStripeEvent(deps, event);
      ctx.body = { received: true };
    },
  });
}
