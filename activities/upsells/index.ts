import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { createCatalogActivities, catalogTriggers } from './catalog';
import { createPurchasesActivities, purchasesTriggers } from './purchases';
import { createRecommendationsActivities, recommendationsTriggers } from './recommendations';

/** The upsells module's activities; each part's names are prefixed by its part so they never clash. */
export function createUpsellsActivities(deps: WorkerDeps) {
  return {
    ...createCatalogActivities(deps),
    ...createPurchasesActivities(deps),
    ...createRecommendationsActivities(deps),
  };
}

export type UpsellsActivities = ReturnType<typeof createUpsellsActivities>;

export function upsellsTriggers(deps: WorkerDeps): Trigger[] {
  return [...catalogTriggers(deps), ...purchasesTriggers(deps), ...recommendationsTriggers(deps)];
}
