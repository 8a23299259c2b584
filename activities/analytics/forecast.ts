import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export function createForecastActivities(_deps: WorkerDeps) {
  return {};
}

export function forecastTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
