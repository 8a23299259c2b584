import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createRenewalsActivities(_deps: WorkerDeps) {
  return {};
}

export function renewalsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
