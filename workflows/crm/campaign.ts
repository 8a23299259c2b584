import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CrmActivities } from '../../activities/crm';
import {
  cancelCampaignSignal,
  chooseCampaignWinnerSignal,
  crmCampaignStatusQuery,
  type CrmCampaignInput,
  type CrmCampaignState,
} from './campaign-contract';

const crm = proxyActivities<CrmActivities>({
  // The snapshot of a 100,000-recipient audience and its announcement are a few set-based statements.
  startToCloseTimeout: '10 minutes',
  // Every step is guarded by the campaign's state and the messages' dedupe keys: retrying is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const DEFAULT_PROGRESS_POLL_MS = 30_000;

/**
 * One campaign send: snapshots the segment's current members into `crm_messages` (the sender in
 * the worker delivers them), runs the A/B test on the test share when there are variants (waits
 * `testWaitMs`, or less when staff choose the winner), sends the winner to the rest, and completes
 * once every message is settled. A cancel signal ends it (the API has already stopped the unsent).
 */
export async function crmCampaignWorkflow(input: CrmCampaignInput): Promise<CrmCampaignState> {
  const state: CrmCampaignState = {
    phase: 'snapshotting',
    recipients: 0,
    winner: null,
    winnerManual: false,
    pValue: null,
  };
  let manual: string | undefined;
  let cancelled = false;
  setHandler(crmCampaignStatusQuery, () => state);
  setHandler(chooseCampaignWinnerSignal, ({ variant }) => {
    manual ??= variant;
  });
  setHandler(cancelCampaignSignal, () => {
    cancelled = true;
  });
  const ref = { tenantId: input.tenantId, campaignId: input.campaignId };
  const end = (): CrmCampaignState => {
    state.phase = 'cancelled';
    return state;
  };

  const snapshot = await crm.crmCampaignSnapshot(ref);
  if (snapshot.cancelled) return end();
  state.recipients = snapshot.recipients;

  if (snapshot.ab) {
    state.phase = 'testing';
    await condition(() => manual !== undefined || cancelled, input.testWaitMs);
    if (cancelled) return end();
    const winner = await crm.crmCampaignChooseWinner({ ...ref, ...(manual ? { manual } : {}) });
    if (winner.cancelled) return end();
    state.winner = winner.variant;
    state.winnerManual = winner.manual;
    state.pValue = winner.pValue;
  }

  state.phase = 'sending';
  // Checked after 1 s, then less often up to `progressPollMs`: small campaigns finish fast, big ones poll little.
  let pollMs = 1000;
  for (;;) {
    const progress = await crm.crmCampaignProgress(ref);
    if (progress.cancelled) return end();
    if (progress.pending === 0 && progress.unsent === 0) break;
    if (await condition(() => cancelled, pollMs)) return end();
    pollMs = Math.min(pollMs * 2, input.progressPollMs ?? DEFAULT_PROGRESS_POLL_MS);
  }
  await crm.crmCampaignComplete(ref);
  state.phase = 'sent';
  return state;
}
