import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createAllocationsActivities(_deps: WorkerDeps) {
  return {};
}

export function allocationsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
