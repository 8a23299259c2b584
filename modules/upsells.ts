import { UpsellsSettingsSchema } from '../domain/upsells/settings';
import { UPSELLS_EVENT_TYPES } from '../domain/upsells/events';
import { defineModule } from './kit';

/**
 * Upsells and cross-sells: add-ons, upgrades, bundles and partner offers with inventory held atomically, rules that rank offers
 * per cart or order, post-purchase add-ons, redeemable vouchers at the gate, recommendations, conversion tracking, 3% commission.
 */
export default defineModule({
  name: 'upsells',
  tag: 'upsells',
  addOn: 'upsells',
  settings: UpsellsSettingsSchema,
  emits: UPSELLS_EVENT_TYPES,
  api: async () => (await import('../api/upsells/routes')).upsellsRoutes,
  worker: async () => {
    const { createUpsellsActivities, upsellsTriggers } = await import('../activities/upsells');
    return { activities: createUpsellsActivities, triggers: upsellsTriggers };
  },
  workflows: require.resolve('../workflows/upsells'),
  migrations: {
    '0027_upsells_catalog': () => import('../db/migrations/0027_upsells_catalog'),
    '0028_upsells_purchases': () => import('../db/migrations/0028_upsells_purchases'),
    '0037_upsells_partners': () => import('../db/migrations/0037_upsells_partners'),
    '0038_upsells_connect_vouchers': () => import('../db/migrations/0038_upsells_connect_vouchers'),
  },
});
