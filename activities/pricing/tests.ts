import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createTestsActivities(_deps: WorkerDeps) {
  return {};
}

export function testsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
