import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { forecastTriggers } from './forecast';
import { rollupTriggers } from './rollups';

export function analyticsTriggers(deps: WorkerDeps): Trigger[] {
  return [...rollupTriggers(deps), ...forecastTriggers(deps)];
}
