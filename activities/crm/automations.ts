import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createAutomationActivities(_deps: WorkerDeps) {
  return {};
}

export function automationTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
