import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SeasonActivities } from '../../activities/season';
import {
  getAllocationReleaseStateQuery,
  rescheduleAllocationReleaseSignal,
  type SeasonAllocationReleaseInput,
  type SeasonAllocationReleaseState,
} from './allocation-release-contract';

const db = proxyActivities<SeasonActivities>({
  startToCloseTimeout: '2 minutes',
  // Both steps are guarded by allocation state in Postgres (warned_at, status), so retrying until the database answers is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One event's unclaimed season seats: durable timers until the warning (an e-mail to each holder
 * who has not claimed) and then until the release, which puts every still-unclaimed seat back on
 * single-ticket sale. A reschedule (the event moved, more seats allocated) restarts the waits.
 */
export async function seasonAllocationReleaseWorkflow(
  input: SeasonAllocationReleaseInput,
): Promise<SeasonAllocationReleaseState> {
  const state: SeasonAllocationReleaseState = {
    status: 'waiting',
    warnAt: input.warnAt,
    releaseAt: input.releaseAt,
    warned: 0,
    released: 0,
  };
  let rescheduled = false;
  setHandler(getAllocationReleaseStateQuery, () => state);
  setHandler(rescheduleAllocationReleaseSignal, (s) => {
    state.warnAt = s.warnAt;
    state.releaseAt = s.releaseAt;
    rescheduled = true;
  });

  /** Sleeps until the time `at` reads, starting over whenever a reschedule arrives. */
  const until = async (at: () => string): Promise<void> => {
    for (;;) {
      rescheduled = false;
      const wait = Date.parse(at()) - Date.now();
      if (wait <= 0 || !(await condition(() => rescheduled, wait))) return;
    }
  };
  const ids = { tenantId: input.tenantId, eventId: input.eventId, workflowId: workflowInfo().workflowId };

  await until(() => state.warnAt);
  state.warned = await db.allocationsWarnUnclaimed({ ...ids, releaseAt: state.releaseAt });
  state.status = 'warned';
  await until(() => state.releaseAt);
  state.released = await db.allocationsReleaseUnclaimed(ids);
  state.status = 'released';
  return state;
}
