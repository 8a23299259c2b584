import { ApplicationFailure, proxyActivities, setHandler, type RetryPolicy } from '@temporalio/workflow';
import type { CrmActivities } from '../../activities/crm';
import {
  getMetricsRefreshStateQuery,
  type MetricsRefreshInput,
  type MetricsRefreshState,
} from './metrics-refresh-contract';

// A few retries for a lost connection; past them the run is recorded as failed, not retried forever.
const retry: RetryPolicy = { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 };
// One statement over every customer of the tenant (RFM), or one fit on a sample: minutes at most.
const bulk = proxyActivities<CrmActivities>({ startToCloseTimeout: '15 minutes', retry });
// Scoring heartbeats after every chunk, so a dead worker is noticed and the retry resumes from the cursor.
const chunks = proxyActivities<CrmActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry,
});
const quick = proxyActivities<CrmActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Reads the RFM quintile breakpoints, refits the tenant's lifetime-value model and scores every
 * purchasing customer's RFM, CLV and churn in chunks (each activity call takes chunks for up to
 * `sliceMs` and reports its cursor), then closes the run row.
 */
export async function crmMetricsRefreshWorkflow(input: MetricsRefreshInput): Promise<MetricsRefreshState> {
  const { tenantId, runId } = input;
  const state: MetricsRefreshState = { stage: 'rfm', rfmCustomers: 0, scored: 0 };
  setHandler(getMetricsRefreshStateQuery, () => state);
  try {
    const rfm = await bulk.crmRefreshMetricsRfm({ tenantId });
    state.rfmCustomers = rfm?.customers ?? 0;
    state.stage = 'fitting';
    state.method = (await bulk.crmRefreshMetricsFit(input)).method;
    state.stage = 'scoring';
    // No breakpoints: nobody has bought, there is nothing to score.
    for (let afterId = 0, done = !rfm; rfm && !done;) {
      const slice = await chunks.crmRefreshMetricsScore({ ...input, afterId, rfm });
      state.scored += slice.scored;
      afterId = slice.lastId;
      done = slice.done;
    }
    state.stage = 'completed';
    await quick.crmRefreshMetricsFinish({ tenantId, runId, status: 'completed', customers: state.scored });
    return state;
  } catch (err) {
    state.stage = 'failed';
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    await quick.crmRefreshMetricsFinish({ tenantId, runId, status: 'failed', customers: state.scored, error: message });
    throw ApplicationFailure.nonRetryable(`metrics refresh failed: ${message}`, 'refresh_failed');
  }
}
