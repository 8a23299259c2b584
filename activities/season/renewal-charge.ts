import Stripe from 'stripe';
import { createStripeClient } from '../../integrations/payments/stripe';
import type { Config } from '../../lib/config';

export interface RenewalChargeRequest {
  /** The subscriber's Stripe customer (`cus_...`), whose saved payment method is charged off-session. */
  customer: string;
  amountMinor: number;
  currency: string;
  /** Stable per subscription, period and attempt (`renewalChargeKey`). */
  idempotencyKey: string;
  description: string;
  metadata: Record<string, string>;
}

export type RenewalChargeResult =
  | { ok: true; reference: string }
  /** A business refusal (declined card, authentication needed, no saved card): dunning, then a retry later. */
  | { ok: false; reason: string; reference: string | null };

export interface RenewalCharger {
  charge(request: RenewalChargeRequest): Promise<RenewalChargeResult>;
  /** Gives a charge back (the subscription was cancelled while it was charged); idempotent by key. */
  refund(reference: string, idempotencyKey: string): Promise<void>;
}

/**
 * What Stripe says no to for good: card errors (402), and a request Stripe cannot carry out for this
 * customer (a missing customer or payment method, 400/404). Rate limits, outages and lost answers
 * throw instead, and the activity's retry repeats the call under the same idempotency key.
 */
function refusal(err: unknown): { reason: string; reference: string | null } | undefined {
  if (!(err instanceof Stripe.errors.StripeError)) return undefined;
  const status = err.statusCode ?? 0;
  if (err.type !== 'StripeCardError' && !(status >= 400 && status < 500 && status !== 429 && status !== 409))
    return undefined;
  const intent = (err.raw as { payment_intent?: { id?: string } } | undefined)?.payment_intent;
  return { reason: `${err.code ?? err.type}: ${err.message}`, reference: intent?.id ?? null };
}

/**
 * Renewal charges through Stripe: a PaymentIntent for the customer, confirmed off-session against
 * their default payment method (the one saved at purchase). A confirmed off-session PaymentIntent
 * either fails with a 402 card error (declined, or `authentication_required`) or comes back
 * succeeded or processing. stripe-mock keeps no state and answers its fixture status to every
 * confirmation, so only the statuses that mean the customer must act, or that the intent was
 * cancelled, count as failures here; everything Stripe accepted counts as paid.
 */
export function createRenewalCharger(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>): RenewalCharger {
  let client: Stripe | undefined;
  const stripe = (): Stripe => {
    if (!config.STRIPE_SECRET_KEY) throw new Error('Stripe renewals need STRIPE_SECRET_KEY');
    client ??= createStripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL });
    return client;
  };
  return {
    async charge(request) {
      try {
        const customer = await stripe().customers.retrieve(request.customer);
        if (customer.deleted)
          return { ok: false, reason: 'customer_deleted: the Stripe customer was deleted', reference: null };
        const saved = customer.invoice_settings?.default_payment_method;
        const intent = await stripe().paymentIntents.create(
          {
            amount: request.amountMinor,
            currency: request.currency.toLowerCase(),
            customer: request.customer,
            ...(saved ? { payment_method: typeof saved === 'string' ? saved : saved.id } : {}),
            off_session: true,
            confirm: true,
            description: request.description,
            metadata: request.metadata,
          },
          { idempotencyKey: request.idempotencyKey },
        );
        if (intent.status === 'requires_action')
          return {
            ok: false,
            reason: 'authentication_required: the bank asks the customer to authenticate',
            reference: intent.id,
          };
        if (intent.status === 'canceled')
          return { ok: false, reason: 'canceled: the payment was cancelled', reference: intent.id };
        return { ok: true, reference: intent.id };
      } catch (err) {
        const refused = refusal(err);
        if (refused) return { ok: false, ...refused };
        throw err;
      }
    },
    async refund(reference, idempotencyKey) {
      await stripe().refunds.create({ payment_intent: reference }, { idempotencyKey });
    },
  };
}
