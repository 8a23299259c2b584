import { proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { SurveysActivities } from '../../activities/surveys';
import {
  surveyDispatchStatusQuery,
  type SurveyDispatchInput,
  type SurveyDispatchState,
} from './responses-dispatch-contract';

const surveys = proxyActivities<SurveysActivities>({
  // 20,000 recipients are snapshotted in one statement and queued in chunks of a thousand.
  startToCloseTimeout: '10 minutes',
  // Recipients are recorded once and e-mails carry dedupe keys per recipient: retrying is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One survey's send for one ended event: waits the delay, records the audience (checked-in attendees,
 * or no-shows for a no-show survey) and e-mails each person once, reminds those who have not
 * responded after `reminderAfterMs`, and closes after the window (the recipients' `closes_at`, which
 * the page and the API enforce, was set when they were recorded).
 */
export async function surveyDispatchWorkflow(input: SurveyDispatchInput): Promise<SurveyDispatchState> {
  const state: SurveyDispatchState = { phase: 'waiting', recipients: 0, invited: 0, reminded: 0 };
  setHandler(surveyDispatchStatusQuery, () => state);
  const ref = { tenantId: input.tenantId, surveyId: input.surveyId, eventId: input.eventId };

  await sleep(input.delayMs);
  state.phase = 'sending';
  const snapshot = await surveys.surveysSnapshotRecipients({
    ...ref,
    windowMs: input.windowMs,
    ...(input.audience ? { audience: input.audience } : {}),
  });
  if (!snapshot.active) {
    state.phase = 'skipped';
    return state;
  }
  state.recipients = snapshot.recipients;
  state.invited = (await surveys.surveysMailRecipients({ ...ref, kind: 'invite' })).mailed;
  state.phase = 'open';

  let waited = 0;
  if (input.reminderAfterMs !== null) {
    await sleep(input.reminderAfterMs);
    waited = input.reminderAfterMs;
    state.reminded = (await surveys.surveysMailRecipients({ ...ref, kind: 'reminder' })).mailed;
  }
  await sleep(Math.max(input.windowMs - waited, 0));
  state.phase = 'closed';
  return state;
}
