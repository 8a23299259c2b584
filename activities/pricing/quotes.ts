import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createQuotesActivities(_deps: WorkerDeps) {
  return {};
}

export function quotesTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
