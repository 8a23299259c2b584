import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { WaitlistActivities } from '../../activities/waitlist';
import { closeOfferSignal, getOfferStateQuery, type WaitlistOfferInput, type WaitlistOfferState } from './contract';

const db = proxyActivities<WaitlistActivities>({
  startToCloseTimeout: '30 seconds',
  // Expiry is guarded by the entry's status in Postgres, so retrying until the database answers is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One waitlist offer's purchase window: the seats are already held and the e-mail sent. A purchase
 * or the entry leaving (decided and committed by the API) ends it early; otherwise the timer
 * expires the offer, which releases the hold to the next entries in line.
 */
export async function waitlistOfferWorkflow(input: WaitlistOfferInput): Promise<WaitlistOfferState> {
  const state: WaitlistOfferState = { status: 'offered', entryId: input.entryId, nextEntryIds: [] };
  let outcome: 'purchased' | 'cancelled' | undefined;
  setHandler(getOfferStateQuery, () => state);
  setHandler(closeOfferSignal, (signal) => {
    outcome ??= signal.outcome;
  });

  if (await condition(() => outcome !== undefined, input.windowMs)) {
    state.status = outcome as 'purchased' | 'cancelled';
    return state;
  }
  // The database has the last word: a purchase committed just before the timer fired stands.
  const result = await db.expireWaitlistOffer({
    tenantId: input.tenantId,
    entryId: input.entryId,
    workflowId: workflowInfo().workflowId,
  });
  state.status = result.status === 'notified' || result.status === 'waiting' ? 'expired' : result.status;
  state.nextEntryIds = result.nextEntryIds;
  return state;
}
