import { ApplicationFailure } from '@temporalio/common';
import { withTenant } from '../../db/connection';
import { failUpsellPayment, settleUpsellPayment } from '../../db/upsells/after-purchase';
import { getUpsellPayment } from '../../db/upsells/payments';
import type { UpsellPaymentExpiryOutcome } from '../../workflows/upsells/contract';
import { paymentOfLine, refundLinesWithTickets } from '../../db/upsells/refunds';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

export function createPurchasesActivities(deps: WorkerDeps) {
  return {
    /**
     * The window of a post-purchase add-on payment ended: a payment still pending is cancelled at the provider
     * first (outside any transaction), so the buyer cannot pay later for units that went back. The provider
     * refuses to cancel a payment that succeeded meanwhile, so its status, read after, decides: a payment that
     * succeeded settles; otherwise its lines give their units back. A retry cancels under the same key.
     */
    async upsellsExpirePayment(input: { tenantId: string; paymentId: number }): Promise<UpsellPaymentExpiryOutcome> {
      const { tenantId, paymentId } = input;
      const payment = await withTenant(deps.db, tenantId, (tx) => getUpsellPayment(tx, paymentId));
      if (payment?.status !== 'pending') return payment?.status === 'paid' ? 'paid' : 'closed';
      let paid = false;
      if (payment.reference) {
        await deps.payments.cancelPayment(payment.reference, `upsell-payment-cancel-${tenantId}-${paymentId}`);
        const status = await deps.payments.getPaymentStatus(payment.reference);
        // The money is on its way and could not be stopped: neither its units nor the goods can go yet.
        if (status === 'processing')
          throw ApplicationFailure.retryable(`Payment ${paymentId} is still processing`, 'payment_processing');
        paid = status === 'succeeded';
      }
      const closed = await withTenant(deps.db, tenantId, (tx) =>
        paid ? settleUpsellPayment(tx, tenantId, paymentId) : failUpsellPayment(tx, paymentId),
      );
      if (!closed) return 'closed';
      return paid ? 'paid' : 'released';
    },
  };
}

/**
 * Refunds of add-ons: an order's add-ons go with its last tickets when their refund (or credit) is
 * carried out, and a line refunded to the card gets its money back from the provider, once (the
 * refund's idempotency key names the line), retried until the provider answers.
 */
export function purchasesTriggers(deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'upsells.refund_with_tickets',
      on: ['refund.processed'],
      run: async (event, { tx }) => {
        if (event.payload.type !== 'refund' && event.payload.type !== 'credit') return;
        await refundLinesWithTickets(tx, event.tenantId, event.payload, deps.payments.name);
      },
    }),
    defineTrigger({
      name: 'upsells.refund_money',
      on: ['upsell.refunded'],
      run: async () => undefined,
      afterCommit: async (event, { db }) => {
        if (event.payload.route !== 'provider') return;
        const { line_id: lineId, amount_minor: amountMinor } = event.payload;
        const paidBy = await withTenant(db, event.tenantId, (tx) => paymentOfLine(tx, lineId));
        if (!paidBy) return;
        await deps.payments.refund({
          reference: paidBy.reference,
          amountMinor,
          idempotencyKey: `upsell-refund-${event.tenantId}-${lineId}`,
          reason: 'add-on refunded',
          ...(paidBy.reverseTransfer ? { reverseTransfer: true } : {}),
        });
      },
    }),
  ];
}
