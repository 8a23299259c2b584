import type { RouterDeps } from '../deps';
import { quotesRoutes } from './quotes';
import { rulesRoutes } from './rules';
import { testsRoutes } from './tests';

/** Every pricing route, under `/api/pricing/`. */
export function pricingRoutes(deps: RouterDeps): void {
  rulesRoutes(deps);
  quotesRoutes(deps);
  testsRoutes(deps);
}
