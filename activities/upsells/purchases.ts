import { withTenant } from '../../db/connection';
import { paymentReferenceOfLine, refundLinesWithTickets } from '../../db/upsells/refunds';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

export function createPurchasesActivities(_deps: WorkerDeps) {
  return {};
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
        const reference = await withTenant(db, event.tenantId, (tx) => paymentReferenceOfLine(tx, lineId));
        if (!reference) return;
        await deps.payments.refund({
          reference,
          amountMinor,
          idempotencyKey: `upsell-refund-${event.tenantId}-${lineId}`,
          reason: 'add-on refunded',
        });
      },
    }),
  ];
}
