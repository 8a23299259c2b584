import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createSegmentActivities(_deps: WorkerDeps) {
  return {};
}

export function segmentTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
