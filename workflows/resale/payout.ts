import { proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { ResaleActivities } from '../../activities/resale';
import { getPayoutStateQuery, type ResalePayoutInput, type ResalePayoutState } from './contract';

const db = proxyActivities<ResaleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const provider = proxyActivities<ResaleActivities>({
  startToCloseTimeout: '1 minute',
  // A transfer carries the transaction's idempotency key, so retrying after a lost answer or an
  // outage never pays twice; keep trying (slowly) until the provider is back.
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['payout_account_missing', 'not_found'],
  },
});

/** Pays a resale's seller after the tenant's hold: pending, then processing, then completed. */
export async function resalePayoutWorkflow(input: ResalePayoutInput): Promise<ResalePayoutState> {
  const state: ResalePayoutState = { status: 'pending', transactionId: input.transactionId };
  setHandler(getPayoutStateQuery, () => state);

  if (input.holdMs > 0) await sleep(input.holdMs);
  state.status = 'processing';
  await db.markPayoutProcessing({ tenantId: input.tenantId, transactionId: input.transactionId });
  const { reference, note } = await provider.transferPayout({
    tenantId: input.tenantId,
    transactionId: input.transactionId,
  });
  state.reference = reference;
  await db.completePayout({ tenantId: input.tenantId, transactionId: input.transactionId, reference, note });
  state.status = 'completed';
  return state;
}
