import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createSubscriptionsActivities(_deps: WorkerDeps) {
  return {};
}

export function subscriptionsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
