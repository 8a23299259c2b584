import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CrmActivities } from '../../activities/crm';
import {
  getSegmentRefreshStateQuery,
  setSegmentRefreshIntervalSignal,
  type SegmentRefreshInput,
  type SegmentRefreshState,
} from './segment-refresh-contract';

const crm = proxyActivities<CrmActivities>({
  // One set-based evaluation: about a second on a million customers.
  startToCloseTimeout: '5 minutes',
  // Evaluation is idempotent (it brings membership in line with the rule), so retrying is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const DEFAULT_EVALUATIONS_PER_RUN = 100;

/**
 * Keeps a dynamic segment current as time passes: every `refreshIntervalS` it re-evaluates the
 * rule (entries and exits recorded, events emitted) and records a size point. Changes to
 * customer data re-evaluate the changed customers at once elsewhere; this loop is for rules
 * such as "bought within 90 days", which change without any write. Ends when the segment is
 * deleted or made static; continues as new every `evaluationsPerRun` evaluations.
 */
export async function crmSegmentRefreshWorkflow(input: SegmentRefreshInput): Promise<SegmentRefreshState> {
  const state: SegmentRefreshState = {
    status: 'waiting',
    evaluations: input.evaluations ?? 0,
    size: null,
    refreshIntervalS: input.refreshIntervalS,
  };
  let intervalChanged = false;
  setHandler(getSegmentRefreshStateQuery, () => state);
  setHandler(setSegmentRefreshIntervalSignal, ({ refreshIntervalS }) => {
    state.refreshIntervalS = refreshIntervalS;
    intervalChanged = true;
  });

  const perRun = input.evaluationsPerRun ?? DEFAULT_EVALUATIONS_PER_RUN;
  for (let run = 0; run < perRun; run++) {
    // A new interval restarts the wait with it.
    for (;;) {
      intervalChanged = false;
      if (!(await condition(() => intervalChanged, state.refreshIntervalS * 1000))) break;
    }
    state.status = 'evaluating';
    const result = await crm.crmSegmentRefresh({ tenantId: input.tenantId, segmentId: input.segmentId });
    if (result.status !== 'evaluated') {
      state.status = 'ended';
      state.endedBecause = result.status;
      return state;
    }
    state.evaluations++;
    state.size = result.size;
    state.status = 'waiting';
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof crmSegmentRefreshWorkflow>({
    ...input,
    refreshIntervalS: state.refreshIntervalS,
    evaluations: state.evaluations,
  });
}
