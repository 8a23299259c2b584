import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createPurchasesActivities(_deps: WorkerDeps) {
  return {};
}

export function purchasesTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
