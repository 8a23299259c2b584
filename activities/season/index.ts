import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { createAllocationsActivities, allocationsTriggers } from './allocations';
import { createRenewalsActivities, renewalsTriggers } from './renewals';
import { createSubscriptionsActivities, subscriptionsTriggers } from './subscriptions';

/** The season module's activities; each part's names are prefixed by its part so they never clash. */
export function createSeasonActivities(deps: WorkerDeps) {
  return {
    ...createSubscriptionsActivities(deps),
    ...createRenewalsActivities(deps),
    ...createAllocationsActivities(deps),
  };
}

export type SeasonActivities = ReturnType<typeof createSeasonActivities>;

export function seasonTriggers(deps: WorkerDeps): Trigger[] {
  return [...subscriptionsTriggers(deps), ...renewalsTriggers(deps), ...allocationsTriggers(deps)];
}
