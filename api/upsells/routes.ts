import type { RouterDeps } from '../deps';
import { catalogRoutes } from './catalog';
import { partnerRoutes } from './partners';
import { purchasesRoutes } from './purchases';
import { recommendationsRoutes } from './recommendations';

/** Every upsells route, under `/api/upsells/`. */
export function upsellsRoutes(deps: RouterDeps): void {
  catalogRoutes(deps);
  purchasesRoutes(deps);
  recommendationsRoutes(deps);
  partnerRoutes(deps);
}
