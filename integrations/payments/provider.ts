export type PaymentStatus = 'succeeded' | 'requires_action' | 'processing' | 'failed';

export interface PaymentRequest {
  amountMinor: number;
  currency: string;
  /** Stable per order, so a retried call never charges twice. */
  idempotencyKey: string;
  description: string;
  metadata: Record<string, string>;
  /** A saved or client-created payment method to confirm immediately (Stripe `pm_...`). */
  paymentMethod?: string;
  /**
   * A destination charge (Stripe Connect): the money goes to the tenant's connected account and the
   * platform keeps `applicationFeeMinor` of it (Stripe `application_fee_amount`). The offline provider ignores it.
   */
  destination?: { account: string; applicationFeeMinor: number };
}

export interface PaymentResult {
  provider: 'offline' | 'stripe';
  reference: string;
  status: PaymentStatus;
  /** Given to the buyer's browser to finish payment (Stripe Elements). */
  clientSecret?: string;
  note?: string;
}

export interface RefundRequest {
  reference: string;
  amountMinor: number;
  idempotencyKey: string;
  reason?: string;
  /** The payment was a destination charge: take the refund back from the connected account that got the money. */
  reverseTransfer?: boolean;
}

export interface RefundResult {
  reference: string;
  status: 'succeeded' | 'pending' | 'failed';
}

export interface TransferRequest {
  amountMinor: number;
  currency: string;
  /** The recipient's connected account (Stripe `acct_...`). */
  destination: string | null;
  /** Stable per payout, so a retried transfer never pays twice. */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface TransferResult {
  reference: string;
  note?: string;
}

/** Where money moves. Activities call it with idempotency keys; the API calls it to start a payment. */
export interface PaymentProvider {
  readonly name: 'offline' | 'stripe';
  createPayment(request: PaymentRequest): Promise<PaymentResult>;
  getPaymentStatus(reference: string): Promise<PaymentStatus>;
  /**
   * Stops a payment not completed from being paid later (Stripe cancels the PaymentIntent). A payment the
   * provider will not cancel because it succeeded or was already cancelled is left as it is, without an
   * error: read its status afterwards. Throws only when the provider could not be asked.
   */
  cancelPayment(reference: string, idempotencyKey?: string): Promise<void>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /** Pays money out to a seller (resale payouts). */
  transfer(request: TransferRequest): Promise<TransferResult>;
}
