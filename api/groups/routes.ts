import type { RouterDeps } from '../deps';
import { bookingsRoutes } from './bookings';
import { paymentsRoutes } from './payments';
// --- roster routes (groups-roster) ---
import { rosterAllRoutes } from './roster-routes';
// --- end roster routes (groups-roster) ---

/** Every groups route, under `/api/groups/`. */
export function groupsRoutes(deps: RouterDeps): void {
  bookingsRoutes(deps);
  paymentsRoutes(deps);
  // --- roster routes (groups-roster) ---
  rosterAllRoutes(deps);
  // --- end roster routes (groups-roster) ---
}
