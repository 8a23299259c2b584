import type { WorkflowStartOptions } from '@temporalio/client';
import type { Audience } from '../../domain/surveys/dispatch';
import { defineQuery } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';

/** One workflow per (survey, event): `survey-dispatch/<tenantId>/<surveyId>-<eventId>`. */
export const SURVEY_DISPATCH_KIND = 'survey-dispatch';

export const surveyDispatchWorkflowId = (tenantId: string, surveyId: number, eventId: number): string =>
  workflowId(SURVEY_DISPATCH_KIND, tenantId, `${surveyId}-${eventId}`);

export function parseSurveyDispatchWorkflowId(
  id: string,
): { tenantId: string; surveyId: number; eventId: number } | undefined {
  const parsed = parseWorkflowId(SURVEY_DISPATCH_KIND, id);
  const m = parsed && /^(\d+)-(\d+)$/.exec(parsed.entityId);
  return m ? { tenantId: parsed.tenantId, surveyId: Number(m[1]), eventId: Number(m[2]) } : undefined;
}

export interface SurveyDispatchInput {
  tenantId: string;
  surveyId: number;
  eventId: number;
  /** After the event ends, before the e-mails (setting `dispatch_delay_s`). */
  delayMs: number;
  /** After the e-mails, before the reminder to non-responders; null: no reminder. */
  reminderAfterMs: number | null;
  /** After the e-mails, until the survey closes (setting `response_window_s`). */
  windowMs: number;
  /** Who gets it when a tenant sends it by hand; absent: the survey's own audience. */
  audience?: Audience;
}

export type SurveyDispatchPhase = 'waiting' | 'sending' | 'open' | 'closed' | 'skipped';

export interface SurveyDispatchState {
  phase: SurveyDispatchPhase;
  recipients: number;
  invited: number;
  reminded: number;
}

export const surveyDispatchStatusQuery = defineQuery<SurveyDispatchState>('status');

export const surveyDispatchWorkflowType = workflowType<typeof workflows>()('surveyDispatchWorkflow');

export function surveyDispatchStartOptions(
  input: SurveyDispatchInput,
): Omit<WorkflowStartOptions<typeof workflows.surveyDispatchWorkflow>, 'taskQueue'> {
  return {
    workflowId: surveyDispatchWorkflowId(input.tenantId, input.surveyId, input.eventId),
    // An event that ends again (ended, reopened, ended) does not survey its audience twice.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [input],
    typedSearchAttributes: searchAttributes(input.tenantId, input.eventId),
  };
}
