import { continueAsNew, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { AnalyticsActivities } from '../../activities/analytics';
import {
  getAnalyticsMaintenanceStateQuery,
  type AnalyticsMaintenanceInput,
  type AnalyticsMaintenanceState,
} from './maintenance-contract';

const upkeep = proxyActivities<AnalyticsActivities>({
  // A partition drop waits for locks, and a tenant's retention delete may touch many rows.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/** Keeps a tenant's raw tracking within retention, round after round (see the contract). */
export async function analyticsMaintenanceWorkflow(input: AnalyticsMaintenanceInput): Promise<void> {
  const state: AnalyticsMaintenanceState = {
    rounds: 0,
    lastRunAt: null,
    partitionsCreated: 0,
    partitionsDropped: 0,
    rowsDeleted: 0,
  };
  setHandler(getAnalyticsMaintenanceStateQuery, () => state);
  const rounds = input.roundsPerRun ?? 30;
  for (let i = 0; i < rounds; i++) {
    const partitions = await upkeep.analyticsMaintainPartitions(input.monthsAhead);
    const deleted = await upkeep.analyticsApplyRetention(input.tenantId);
    state.rounds++;
    state.lastRunAt = new Date(Date.now()).toISOString();
    state.partitionsCreated += partitions.created;
    state.partitionsDropped += partitions.dropped;
    state.rowsDeleted += deleted;
    await sleep(input.intervalMs);
  }
  await continueAsNew<typeof analyticsMaintenanceWorkflow>(input);
}
