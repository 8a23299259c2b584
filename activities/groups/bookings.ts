import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createBookingsActivities(_deps: WorkerDeps) {
  return {};
}

export function bookingsTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
