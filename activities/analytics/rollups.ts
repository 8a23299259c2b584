import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createRollupActivities(_deps: WorkerDeps) {
  return {};
}

export function rollupTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
