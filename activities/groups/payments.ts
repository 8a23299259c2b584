import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createPaymentsActivities(_deps: WorkerDeps) {
  return {};
}

export function paymentsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
