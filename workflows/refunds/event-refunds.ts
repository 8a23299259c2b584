import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RefundActivities } from '../../activities/refunds';
import { getEventRefundsProgressQuery, type EventRefundsInput, type EventRefundsProgress } from './contract';

const db = proxyActivities<RefundActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['not_found'] },
});

// A batch at the rate limit takes batchSize / ratePerS seconds; the heartbeat after every refund
// is what notices a dead worker, and the retry resumes where the completed refunds end.
const provider = proxyActivities<RefundActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Refunds every order of an event, at 100% or as store credit: takes orders into the run in
 * batches (the next batch is taken while the current one is refunded), refunds each through the
 * payment provider at the tenant's rate limit with one idempotency key per order, keeps the
 * progress on the run's row, and continues as new every `batchesPerRun` batches.
 */
export async function eventRefundsWorkflow(input: EventRefundsInput): Promise<EventRefundsProgress> {
  const { tenantId, runId, batchSize, ratePerS } = input;
  const { workflowId } = workflowInfo();
  let progress: EventRefundsProgress = input.progress ?? {
    status: 'running',
    total: 0,
    done: 0,
    failed: 0,
    refunded_minor: 0,
  };
  let afterRequestId = input.afterRequestId ?? 0;
  setHandler(getEventRefundsProgressQuery, () => progress);

  const claim = () => db.claimEventRefunds({ tenantId, runId, limit: batchSize, workflowId });
  let claimed = await claim();
  for (let batch = 0; batch < input.batchesPerRun; batch++) {
    const [next, refunded] = await Promise.all([
      claimed > 0 ? claim() : Promise.resolve(0),
      provider.refundEventBatch({ tenantId, runId, afterRequestId, limit: batchSize * 2, ratePerS, workflowId }),
    ]);
    claimed = next;
    afterRequestId = refunded.lastRequestId;
    progress = refunded.progress;
    if (claimed === 0 && refunded.requests === 0) {
      progress = await db.completeEventRefunds({ tenantId, runId, workflowId });
      return progress;
    }
  }
  return continueAsNew<typeof eventRefundsWorkflow>({ ...input, progress, afterRequestId });
}
