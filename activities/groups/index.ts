import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { createBookingsActivities, bookingsTriggers } from './bookings';
import { createPaymentsActivities, paymentsTriggers } from './payments';
// --- roster activities (groups-roster) ---
import { createRosterActivities } from './roster';
// --- end roster activities (groups-roster) ---

/** The groups module's activities; each part's names are prefixed by its part so they never clash. */
export function createGroupsActivities(deps: WorkerDeps) {
  return {
    ...createBookingsActivities(deps),
    ...createPaymentsActivities(deps),
    // --- roster activities (groups-roster) ---
    ...createRosterActivities(deps),
    // --- end roster activities (groups-roster) ---
  };
}

export type GroupsActivities = ReturnType<typeof createGroupsActivities>;

export function groupsTriggers(deps: WorkerDeps): Trigger[] {
  return [...bookingsTriggers(deps), ...paymentsTriggers(deps)];
}
