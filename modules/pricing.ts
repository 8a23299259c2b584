import { PricingSettingsSchema } from '../domain/pricing/settings';
import { PRICING_EVENT_TYPES } from '../domain/pricing/events';
import { defineModule } from './kit';

/**
 * Dynamic pricing: time, demand and inventory rules evaluated by one workflow per ticket type, guardrails (floor, cap,
 * daily change, never decrease, minimum interval, 30-day lowest price), quotes held for their lifetime, price A/B tests.
 */
export default defineModule({
  name: 'pricing',
  tag: 'pricing',
  addOn: 'pricing',
  settings: PricingSettingsSchema,
  emits: PRICING_EVENT_TYPES,
  api: async () => (await import('../api/pricing/routes')).pricingRoutes,
  worker: async () => {
    const { createPricingActivities, pricingTriggers } = await import('../activities/pricing');
    return { activities: createPricingActivities, triggers: pricingTriggers };
  },
  workflows: require.resolve('../workflows/pricing'),
  migrations: {
    '0022_pricing_rules': () => import('../db/migrations/0022_pricing_rules'),
    '0023_pricing_quotes_tests': () => import('../db/migrations/0023_pricing_quotes_tests'),
  },
});
