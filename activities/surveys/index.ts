import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { createFeedbackActivities, feedbackTriggers } from './feedback';
import { createResponsesActivities, responsesTriggers } from './responses';

/** The surveys module's activities; each part's names are prefixed by its part so they never clash. */
export function createSurveysActivities(deps: WorkerDeps) {
  return {
    ...createResponsesActivities(deps),
    ...createFeedbackActivities(deps),
  };
}

export type SurveysActivities = ReturnType<typeof createSurveysActivities>;

export function surveysTriggers(deps: WorkerDeps): Trigger[] {
  return [...responsesTriggers(deps), ...feedbackTriggers(deps)];
}
