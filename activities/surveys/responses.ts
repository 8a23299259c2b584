import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createResponsesActivities(_deps: WorkerDeps) {
  return {};
}

export function responsesTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
