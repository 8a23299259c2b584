import type { WorkerDeps } from '../deps';
import { createForecastActivities } from './forecast';
import { createRollupActivities } from './rollups';

/** The analytics module's activities; each part's names are prefixed by its part so they never clash. */
export function createAnalyticsActivities(deps: WorkerDeps) {
  return { ...createRollupActivities(deps), ...createForecastActivities(deps) };
}

export type AnalyticsActivities = ReturnType<typeof createAnalyticsActivities>;
