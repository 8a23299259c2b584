import type { RouterDeps } from '../deps';
import { offerRoutes } from './catalog-offers';
import { productRoutes } from './catalog-products';
import { ruleRoutes } from './catalog-rules';
import { statsRoutes } from './catalog-stats';

/** Products, rules, offers and their measurement. */
export function catalogRoutes(deps: RouterDeps): void {
  productRoutes(deps);
  ruleRoutes(deps);
  offerRoutes(deps);
  statsRoutes(deps);
}
