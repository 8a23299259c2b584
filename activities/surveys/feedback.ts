import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createFeedbackActivities(_deps: WorkerDeps) {
  return {};
}

export function feedbackTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
