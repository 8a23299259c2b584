import { proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { WalletActivities } from '../../activities/wallet';
import { getWalletPushStateQuery, type WalletPushInput, type WalletPushState } from './contract';

const wallet = proxyActivities<WalletActivities>({
  startToCloseTimeout: '2 minutes',
  // A batch is safe to repeat: a second push only makes a device fetch the same pass again.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** Runs `work` over `items` with at most `limit` running at once. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Tells every device holding a changed pass to fetch it again (APNs), in batches with bounded
 * parallelism, re-sending to the devices APNs could not take; then rewrites the Google objects.
 */
export async function walletPushWorkflow(input: WalletPushInput): Promise<WalletPushState> {
  const state: WalletPushState = {
    status: 'planning',
    batches: 0,
    batchesDone: 0,
    devices: 0,
    sent: 0,
    removed: 0,
    failed: 0,
    googleUpdated: 0,
  };
  setHandler(getWalletPushStateQuery, () => state);
  const { tenantId, scope } = input;

  const plan = await wallet.planWalletPush({ tenantId, scope, batchSize: input.batchSize });
  state.batches = plan.apple.length + plan.google.length;
  state.status = 'pushing';
  let retry: number[] = [];
  await inParallel(plan.apple, input.parallelBatches, async (range) => {
    const r = await wallet.pushAppleBatch({ tenantId, scope, range });
    state.devices += r.sent + r.removed + r.retry.length;
    state.sent += r.sent;
    state.removed += r.removed;
    retry.push(...r.retry);
    state.batchesDone++;
  });

  for (let round = 0; round < input.retryRounds && retry.length; round++) {
    state.status = 'retrying';
    await sleep(input.retryDelayMs);
    const r = await wallet.pushAppleBatch({ tenantId, scope, ids: retry });
    state.sent += r.sent;
    state.removed += r.removed;
    retry = r.retry;
  }
  state.failed = retry.length;

  state.status = 'updating_google';
  if (input.eventChanged && plan.google.length) await wallet.updateGoogleClass({ tenantId, eventId: scope.eventId });
  await inParallel(plan.google, input.parallelBatches, async (range) => {
    // Awaited first: `x += await y` would read x before the wait and lose the other lanes' counts.
    const updated = await wallet.updateGoogleBatch({ tenantId, scope, range });
    state.googleUpdated += updated;
    state.batchesDone++;
  });
  state.status = 'done';
  return state;
}
