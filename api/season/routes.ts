import type { RouterDeps } from '../deps';
import { allocationsRoutes } from './allocations';
import { renewalsRoutes } from './renewals';
import { subscriptionsRoutes } from './subscriptions';

/** Every season route, under `/api/season/`. */
export function seasonRoutes(deps: RouterDeps): void {
  subscriptionsRoutes(deps);
  renewalsRoutes(deps);
  allocationsRoutes(deps);
}
