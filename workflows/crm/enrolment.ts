import { ActivityFailure, condition, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AutomationActivities } from '../../activities/crm/automations';
import {
  getEnrolmentStateQuery,
  requestExitSignal,
  setPausedSignal,
  type CrmEnrolmentInput,
  type CrmEnrolmentState,
} from './contract';

const db = proxyActivities<AutomationActivities>({
  startToCloseTimeout: '30 seconds',
  // Every step is idempotent (dedupe key per enrolment and step, guarded updates): retry until Postgres answers.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const webhook = proxyActivities<AutomationActivities>({
  startToCloseTimeout: '30 seconds',
  // A receiver that stays down must not hold the customer's enrolment forever: a few tries, then move on.
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

const HOUR_MS = 3_600_000;

/**
 * One customer's run through one automation, step by step, on the steps of the version it was
 * enrolled with. Before every step the gate checks the customer may still be written to (an
 * unsubscribe, consent withdrawal or erasure ends it there) and that the automation is not paused
 * (a paused one holds until resumed). Waits are timers of the step's duration times the automation's
 * time scale (computed when the enrolment is loaded). Held-out enrolments run the same path but their e-mails are recorded, never sent.
 */
export async function crmEnrolmentWorkflow(input: CrmEnrolmentInput): Promise<CrmEnrolmentState> {
  const state: CrmEnrolmentState = {
    status: 'starting',
    automationId: null,
    version: null,
    holdout: false,
    step: 0,
    steps: 0,
    emailsQueued: 0,
    exitReason: null,
  };
  let resumes = 0;
  let exitSignals = 0;
  setHandler(getEnrolmentStateQuery, () => state);
  setHandler(setPausedSignal, ({ paused }) => {
    if (!paused) resumes++;
  });
  setHandler(requestExitSignal, () => {
    exitSignals++;
  });

  const ref = { tenantId: input.tenantId, enrolmentId: input.enrolmentId };
  const e = await db.crmAutomationLoadEnrolment(ref);
  Object.assign(state, { automationId: e.automationId, version: e.version, holdout: e.holdout, steps: e.steps.length });
  if (e.ended) {
    state.status = 'completed';
    return state;
  }
  const who = { tenantId: input.tenantId, automationId: e.automationId, customerId: e.customerId };

  const end = async (status: 'completed' | 'exited', reason: string): Promise<CrmEnrolmentState> => {
    await db.crmAutomationEndEnrolment({ ...ref, status, reason });
    state.status = status;
    state.exitReason = status === 'exited' ? reason : null;
    return state;
  };

  for (let i = 0; i < e.steps.length; i++) {
    state.step = i;
    // The gate: held while the automation is paused, gone once the customer opted out.
    for (;;) {
      const resumesSeen = resumes;
      const exitsSeen = exitSignals;
      const gate = await db.crmAutomationGateStep({ ...ref, step: i });
      if (gate.action === 'ended') {
        state.status = 'exited';
        return state;
      }
      if (gate.action === 'exit') return end('exited', gate.reason);
      if (gate.action === 'run') break;
      state.status = 'paused';
      await condition(() => resumes > resumesSeen || exitSignals > exitsSeen, input.pauseRecheckMs ?? HOUR_MS);
    }
    state.status = 'running';

    const step = e.steps[i];
    switch (step.action_type) {
      case 'wait': {
        state.status = 'waiting';
        // An opt-out cuts the wait short; the next gate then ends the enrolment.
        const exitsSeen = exitSignals;
        await condition(() => exitSignals > exitsSeen, e.waitsMs[i]);
        break;
      }
      case 'email': {
        await db.crmAutomationSendEmail({
          ...ref,
          automationId: e.automationId,
          customerId: e.customerId,
          step: i,
          templateId: step.action_config.template_id,
          holdout: e.holdout,
        });
        state.emailsQueued++;
        break;
      }
      case 'condition': {
        const c = step.action_config;
        const holds = await db.crmAutomationCheckCondition({
          ...who,
          enrolledAt: e.enrolledAt,
          check: c.check,
          segmentId: c.segment_id,
        });
        if ((holds ? c.then : c.else) === 'exit') return end('exited', `condition:${c.check}:${holds}`);
        break;
      }
      case 'tag': {
        await db.crmAutomationTag({ ...who, tag: step.action_config.tag });
        break;
      }
      case 'webhook': {
        try {
          await webhook.crmAutomationWebhook({
            ...who,
            enrolmentId: input.enrolmentId,
            step: i,
            url: step.action_config.url,
          });
        } catch (err) {
          // A failed webhook is logged and skipped: the customer's journey goes on.
          if (!(err instanceof ActivityFailure)) throw err;
          log.warn('automation webhook failed', { enrolmentId: input.enrolmentId, step: i, error: err.message });
        }
        break;
      }
    }
  }
  state.step = e.steps.length;
  return end('completed', 'completed');
}
