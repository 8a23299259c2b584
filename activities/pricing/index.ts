import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { createQuotesActivities, quotesTriggers } from './quotes';
import { createRulesActivities, rulesTriggers } from './rules';
import { createTestsActivities, testsTriggers } from './tests';

/** The pricing module's activities; each part's names are prefixed by its part so they never clash. */
export function createPricingActivities(deps: WorkerDeps) {
  return { ...createRulesActivities(deps), ...createQuotesActivities(deps), ...createTestsActivities(deps) };
}

export type PricingActivities = ReturnType<typeof createPricingActivities>;

export function pricingTriggers(deps: WorkerDeps): Trigger[] {
  return [...rulesTriggers(deps), ...quotesTriggers(deps), ...testsTriggers(deps)];
}
