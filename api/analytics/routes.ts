import type { RouterDeps } from '../deps';
import { forecastRoutes } from './forecast';
import { metricRoutes } from './metrics';
import { trackingRoutes } from './tracking';

/** Every analytics route, under `/api/analytics/` (the page at `/analytics`, the beacon under `/a/`). */
export function analyticsRoutes(deps: RouterDeps): void {
  trackingRoutes(deps);
  metricRoutes(deps);
  forecastRoutes(deps);
}
