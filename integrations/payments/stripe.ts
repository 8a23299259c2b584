import Stripe from 'stripe';
import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
  PaymentStatus,
  RefundRequest,
  RefundResult,
  TransferRequest,
  TransferResult,
} from './provider';

export interface StripeOptions {
  secretKey: string;
  /** Points the SDK at stripe-mock in tests, e.g. http://127.0.0.1:12111. */
  apiUrl?: string;
}

export function createStripeClient({ secretKey, apiUrl }: StripeOptions): Stripe {
  const url = apiUrl ? new URL(apiUrl) : undefined;
  return new Stripe(secretKey, {
    maxNetworkRetries: 2,
    ...(url && {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol.replace(':', '') as 'http' | 'https',
    }),
  });
}

function mapStatus(status: Stripe.PaymentIntent.Status): PaymentStatus {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'processing':
      return 'processing';
    case 'canceled':
      return 'failed';
    default:
      return 'requires_action';
  }
}

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;

  constructor(private readonly stripe: Stripe) {}

  async createPayment(request: PaymentRequest): Promise<PaymentResult> {
    const intent = await this.stripe.paymentIntents.create(
      {
        amount: request.amountMinor,
        currency: request.currency.toLowerCase(),
        description: request.description,
        metadata: request.metadata,
        ...(request.paymentMethod ? { payment_method: request.paymentMethod, confirm: true } : {}),
        // A destination charge, Stripe's Connect flow for a platform that keeps a fee: the whole amount goes to
        // the connected account, which pays the platform its application fee out of it.
        ...(request.destination
          ? {
              transfer_data: { destination: request.destination.account },
              ...(request.destination.applicationFeeMinor > 0
                ? { application_fee_amount: request.destination.applicationFeeMinor }
                : {}),
            }
          : {}),
      },
      { idempotencyKey: request.idempotencyKey },
    );
    return {
      provider: this.name,
      reference: intent.id,
      status: mapStatus(intent.status),
      clientSecret: intent.client_secret ?? undefined,
    };
  }

  async getPaymentStatus(reference: string): Promise<PaymentStatus> {
    return mapStatus((await this.stripe.paymentIntents.retrieve(reference)).status);
  }

  async cancelPayment(reference: string, idempotencyKey?: string): Promise<void> {
    try {
      await this.stripe.paymentIntents.cancel(
        reference,
        { cancellation_reason: 'abandoned' },
        idempotencyKey ? { idempotencyKey } : undefined,
      );
    } catch (err) {
      // Stripe refuses to cancel an intent that succeeded, is processing or is cancelled already; its status says which.
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'payment_intent_unexpected_state')
        return;
      throw err;
    }
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    const refund = await this.stripe.refunds.create(
      {
        payment_intent: request.reference,
        amount: request.amountMinor,
        ...(request.reason ? { metadata: { reason: request.reason } } : {}),
        // The application fee stays with the platform: the bill gives the commission back (its reversal line).
        ...(request.reverseTransfer ? { reverse_transfer: true } : {}),
      },
      { idempotencyKey: request.idempotencyKey },
    );
    return {
      reference: refund.id,
      status: refund.status === 'succeeded' ? 'succeeded' : refund.status === 'failed' ? 'failed' : 'pending',
    };
  }

  async transfer(request: TransferRequest): Promise<TransferResult> {
    if (!request.destination) throw new Error("A Stripe transfer needs the seller's connected account");
    const transfer = await this.stripe.transfers.create(
      {
        amount: request.amountMinor,
        currency: request.currency.toLowerCase(),
        destination: request.destination,
        metadata: request.metadata,
      },
      { idempotencyKey: request.idempotencyKey },
    );
    return { reference: transfer.id };
  }
}
