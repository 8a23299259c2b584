import { ApplicationFailure } from '@temporalio/common';
import { withTenant, type Db } from '../../db/connection';
import { appendAudit } from '../../db/platform/audit';
import { recordAutoPurchase, notifyWaitlistOfListing } from '../../db/resale/matching';
import { claimHeld, completePurchase, releaseClaim } from '../../db/resale/purchases';
import type { ResaleClaim } from '../../domain/waitlist/resale';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { AppError } from '../../lib/errors';
import {
  resalePurchaseWorkflowId,
  type PurchaseRefusal,
  type ResalePurchaseInput,
} from '../../workflows/resale/contract';

export interface ResalePurchaseActivityDeps {
  db: Db;
  payments: PaymentProvider;
}

/** The charge of one purchase attempt: stable across retries, never shared with another attempt. */
export const resaleChargeKey = (tenantId: string, claim: ResaleClaim): string =>
  `resale-${tenantId}-${claim.listingId}-${claim.id}`;

/** The refund of that charge, should the sale fail after it. */
export const resaleRefundKey = (tenantId: string, claim: ResaleClaim): string =>
  `resale-refund-${tenantId}-${claim.listingId}-${claim.id}`;

const refusal = (err: AppError): PurchaseRefusal => ({
  ok: false,
  status: err.status,
  code: err.code,
  message: err.message,
});

/** The steps of the resale purchase saga (workflows/resale/purchase.ts), each idempotent. */
export function createResalePurchaseActivities({ db, payments }: ResalePurchaseActivityDeps) {
  return {
    /** Takes the buyer's money, outside any transaction; a claim that lapsed meanwhile is not charged. */
    async chargeResalePurchase(input: ResalePurchaseInput): Promise<{ ok: true; reference: string } | PurchaseRefusal> {
      const { tenantId, claim } = input;
      if (!(await withTenant(db, tenantId, (tx) => claimHeld(tx, claim))))
        return refusal(new AppError(409, 'listing_not_available', 'The listing was not held long enough to pay'));
      const payment = await payments.createPayment({
        amountMinor: claim.quote.buyerTotalMinor,
        currency: claim.currency,
        idempotencyKey: resaleChargeKey(tenantId, claim),
        description: `Resale listing ${claim.listingId}`,
        metadata: { tenant_id: tenantId, listing_id: String(claim.listingId) },
        paymentMethod: input.paymentMethod,
      });
      if (payment.status !== 'succeeded')
        return refusal(
          new AppError(402, 'payment_failed', `The payment is ${payment.status}; pay with a saved payment method`),
        );
      return { ok: true, reference: payment.reference };
    },

    /** Hands the ticket over in one transaction; a business refusal comes back as an outcome, so it is refunded at once. */
    async completeResalePurchase(
      input: ResalePurchaseInput & { paymentReference: string },
    ): Promise<{ ok: true; transactionId: number } | PurchaseRefusal> {
      const { tenantId, claim, waitlistEntryId } = input;
      try {
        return await withTenant(db, tenantId, async (tx) => {
          const { transactionId, made } = await completePurchase(tx, tenantId, {
            claim,
            paymentReference: input.paymentReference,
            provider: payments.name,
            actor: { type: 'workflow', id: resalePurchaseWorkflowId(tenantId, claim.id) },
          });
          if (made && waitlistEntryId !== undefined)
            await recordAutoPurchase(tx, tenantId, waitlistEntryId, claim, made);
          return { ok: true as const, transactionId };
        });
      } catch (err) {
        if (err instanceof AppError) return refusal(err);
        throw err;
      }
    },

    /** Gives the buyer's money back; the key names the attempt, so a retry is the same refund. */
    async refundResalePurchase(input: ResalePurchaseInput & { paymentReference: string }): Promise<string> {
      const { tenantId, claim } = input;
      const result = await payments.refund({
        reference: input.paymentReference,
        amountMinor: claim.quote.buyerTotalMinor,
        idempotencyKey: resaleRefundKey(tenantId, claim),
        reason: 'The resale purchase could not be completed',
      });
      if (result.status === 'failed')
        throw ApplicationFailure.nonRetryable(`The provider refused refund ${result.reference}`, 'refund_failed');
      return result.reference;
    },

    /** Makes the listing buyable again; an automatic purchase that failed lets the waitlist hear of it instead. */
    async releaseResaleClaim(input: ResalePurchaseInput): Promise<void> {
      const { tenantId, claim } = input;
      await withTenant(db, tenantId, async (tx) => {
        if (!(await releaseClaim(tx, claim))) return;
        await appendAudit(tx, tenantId, {
          actor: { type: 'workflow', id: resalePurchaseWorkflowId(tenantId, claim.id) },
          action: 'resale.purchase_released',
          entityType: 'resale_listing',
          entityId: claim.listingId,
          after: { status: 'active', unclaimed_from: claim.buyerId },
        });
        if (input.waitlistEntryId !== undefined) await notifyWaitlistOfListing(tx, tenantId, claim.listingId);
      });
    },
  };
}

export type ResalePurchaseActivities = ReturnType<typeof createResalePurchaseActivities>;
