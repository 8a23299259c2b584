import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createCatalogActivities(_deps: WorkerDeps) {
  return {};
}

export function catalogTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
