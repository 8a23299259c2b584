import { continueAsNew, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { AutomationActivities } from '../../activities/crm/automations';
import { getScheduleStateQuery, type CrmScheduleInput, type CrmScheduleState } from './contract';

const db = proxyActivities<AutomationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const run = proxyActivities<AutomationActivities>({
  // One set-based insert plus batched workflow starts: large tenants take a while.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/**
 * A schedule automation (birthday, anniversary, every day/week/month): sleeps until the next run,
 * computed by an activity from the automation's trigger config, enrols that day's customers in one
 * statement, then continues as new from that run. It stops once the automation is no longer active
 * (activating it again starts it again). For a win-back trigger (no purchase for N days) it runs once
 * on activation instead: customers lapsed already are enrolled, the others get their lapse timer.
 */
export async function crmScheduleWorkflow(input: CrmScheduleInput): Promise<CrmScheduleState> {
  const state: CrmScheduleState = {
    status: 'sleeping',
    nextRunAt: null,
    lastRunAt: input.lastRunAt ?? null,
    lastEnrolled: 0,
  };
  setHandler(getScheduleStateQuery, () => state);
  const ref = { tenantId: input.tenantId, automationId: input.automationId };

  let runAt: string;
  if (input.runNow) runAt = new Date(Date.now()).toISOString();
  else {
    const { nextRunAt, lapseBackfill } = await db.crmAutomationNextRun({
      ...ref,
      after: input.lastRunAt ?? new Date(Date.now()).toISOString(),
    });
    if (lapseBackfill) {
      // A win-back (no purchase for N days) was just activated: its customers' lapse timers start here, once.
      state.status = 'running';
      const { enrolled } = await run.crmAutomationLapseBackfill(ref);
      state.lastEnrolled = enrolled;
    }
    if (!nextRunAt) {
      state.status = 'stopped';
      return state;
    }
    state.nextRunAt = nextRunAt;
    const ms = new Date(nextRunAt).getTime() - Date.now();
    if (ms > 0) await sleep(ms);
    runAt = nextRunAt;
  }
  state.status = 'running';
  const { enrolled } = await run.crmAutomationRunSchedule({ ...ref, runAt });
  state.lastEnrolled = enrolled;
  state.lastRunAt = runAt;
  return continueAsNew<typeof crmScheduleWorkflow>({
    tenantId: input.tenantId,
    automationId: input.automationId,
    lastRunAt: runAt,
  });
}
