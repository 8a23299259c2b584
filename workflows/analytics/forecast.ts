import { continueAsNew, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { AnalyticsActivities } from '../../activities/analytics';
import {
  getAnalyticsForecastStateQuery,
  type AnalyticsForecastInput,
  type AnalyticsForecastState,
} from './forecast-contract';

const refresh = proxyActivities<AnalyticsActivities>({
  // Reads the tenant's sales history and the event's current figures: seconds, not minutes.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/** Recomputes an event's forecast every interval until the event starts (see the contract). */
export async function analyticsForecastWorkflow(
  input: AnalyticsForecastInput,
  carried?: AnalyticsForecastState,
): Promise<AnalyticsForecastState> {
  const state: AnalyticsForecastState = carried ?? {
    status: 'refreshing',
    refreshes: 0,
    lastSnapshotId: null,
    lastRunAt: null,
  };
  setHandler(getAnalyticsForecastStateQuery, () => state);
  const rounds = input.roundsPerRun ?? 60;
  for (let i = 0; i < rounds; i++) {
    const round = await refresh.analyticsForecastRefresh({ tenantId: input.tenantId, eventId: input.eventId });
    state.refreshes++;
    state.lastRunAt = new Date(Date.now()).toISOString();
    if (round.snapshotId !== null) state.lastSnapshotId = round.snapshotId;
    if (round.done || round.startsAt === null) {
      state.status = 'done';
      return state;
    }
    // Wake at the start if it comes before the next refresh: that round sees it started and ends.
    await sleep(Math.max(1, Math.min(input.intervalMs, Date.parse(round.startsAt) - Date.now())));
  }
  return continueAsNew<typeof analyticsForecastWorkflow>(input, state);
}
