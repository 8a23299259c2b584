import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createStreamsActivities(_deps: WorkerDeps) {
  return {};
}

export function streamsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
