import type { RouterDeps } from '../deps';
import { bookingsRoutes } from './bookings';
import { paymentsRoutes } from './payments';

/** Every groups route, under `/api/groups/`. */
export function groupsRoutes(deps: RouterDeps): void {
  bookingsRoutes(deps);
  paymentsRoutes(deps);
}
