import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createCustomerDataActivities(_deps: WorkerDeps) {
  return {};
}

export function customerDataTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
