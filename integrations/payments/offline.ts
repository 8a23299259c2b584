import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
  RefundRequest,
  RefundResult,
  TransferRequest,
  TransferResult,
} from './provider';

/**
 * For box offices and the embedded default: records that payment was taken outside Usher
 * (cash, card terminal) and says so. No money moves through it.
 */
export class OfflinePaymentProvider implements PaymentProvider {
  readonly name = 'offline' as const;

  async createPayment(request: PaymentRequest): Promise<PaymentResult> {
    return {
      provider: this.name,
      reference: `offline_${request.idempotencyKey}`,
      status: 'succeeded',
      note: 'Recorded as a manual payment taken outside Usher; no card was charged.',
    };
  }

  async getPaymentStatus(): Promise<'succeeded'> {
    return 'succeeded';
  }

  /** Nothing is waiting at a provider: an offline payment was taken when it was recorded. */
  async cancelPayment(): Promise<void> {}

  async refund(request: RefundRequest): Promise<RefundResult> {
    return { reference: `offline_refund_${request.idempotencyKey}`, status: 'succeeded' };
  }

  async transfer(request: TransferRequest): Promise<TransferResult> {
    return {
      reference: `offline_payout_${request.idempotencyKey}`,
      note: 'Recorded as a manual payout to be made outside Usher; no money was sent.',
    };
  }
}
