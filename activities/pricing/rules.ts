import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createRulesActivities(_deps: WorkerDeps) {
  return {};
}

export function rulesTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
