import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createRecommendationsActivities(_deps: WorkerDeps) {
  return {};
}

export function recommendationsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
