import { ApplicationFailure } from '@temporalio/common';
import { withTenant, type Db } from '../../db/connection';
import { appendAudit } from '../../db/platform/audit';
import { getSeller } from '../../db/resale/sellers';
import { getTransaction, recordPayoutCompleted, setPayoutProcessing } from '../../db/resale/transactions';
import { emit } from '../../db/platform/outbox';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { resalePayoutWorkflowId } from '../../workflows/resale/contract';

export interface ResaleActivityDeps {
  db: Db;
  payments: PaymentProvider;
}

export function createResaleActivities({ db, payments }: ResaleActivityDeps) {
  async function loadTransaction(tenantId: string, transactionId: number) {
    const found = await withTenant(db, tenantId, async (tx) => {
      const txn = await getTransaction(tx, transactionId);
      return txn && { txn, seller: await getSeller(tx, txn.seller_customer_id) };
    });
    if (!found) throw ApplicationFailure.nonRetryable(`Resale transaction ${transactionId} not found`, 'not_found');
    return found;
  }

  return {
    async markPayoutProcessing(input: { tenantId: string; transactionId: number }): Promise<void> {
      await withTenant(db, input.tenantId, (tx) => setPayoutProcessing(tx, input.transactionId));
    },

    /** Sends the seller's money; the idempotency key names the transaction, so no retry pays twice. */
    async transferPayout(input: {
      tenantId: string;
      transactionId: number;
    }): Promise<{ reference: string; note?: string }> {
      const { txn, seller } = await loadTransaction(input.tenantId, input.transactionId);
      if (txn.payout_status === 'completed' && txn.payout_reference) return { reference: txn.payout_reference };
      if (payments.name === 'stripe' && !seller?.payout_account) {
        throw ApplicationFailure.nonRetryable('The seller has no connected payout account', 'payout_account_missing');
      }
      return payments.transfer({
        amountMinor: txn.seller_payout_minor,
        currency: txn.currency.trim(),
        destination: seller?.payout_account ?? null,
        idempotencyKey: `resale-payout-${input.tenantId}-${txn.id}`,
        metadata: { tenant_id: input.tenantId, resale_transaction_id: String(txn.id) },
      });
    },

    async completePayout(input: {
      tenantId: string;
      transactionId: number;
      reference: string;
      note?: string;
    }): Promise<void> {
      await withTenant(db, input.tenantId, async (tx) => {
        if (!(await recordPayoutCompleted(tx, input.transactionId, input))) return;
        await emit(tx, input.tenantId, {
          type: 'resale.payout_completed',
          aggregateType: 'resale_transaction',
          aggregateId: input.transactionId,
          payload: { transaction_id: input.transactionId, reference: input.reference },
        });
        await appendAudit(tx, input.tenantId, {
          actor: { type: 'workflow', id: resalePayoutWorkflowId(input.tenantId, input.transactionId) },
          action: 'resale.payout_completed',
          entityType: 'resale_transaction',
          entityId: input.transactionId,
          before: { payout_status: 'processing' },
          after: { payout_status: 'completed', reference: input.reference },
        });
      });
    },
  };
}

export type ResaleActivities = ReturnType<typeof createResaleActivities>;
