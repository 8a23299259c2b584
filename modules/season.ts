import { SeasonSettingsSchema } from '../domain/season/settings';
import { SEASON_EVENT_TYPES } from '../domain/season/events';
import { defineModule } from './kit';

/**
 * Season tickets and subscriptions: packages (full, flex, category, VIP), subscriptions billed through the payment
 * provider, renewals as workflows with dunning, season seats held across events, allocations, flex credits, member benefits.
 */
export default defineModule({
  name: 'season',
  tag: 'season',
  addOn: 'season',
  settings: SeasonSettingsSchema,
  emits: SEASON_EVENT_TYPES,
  api: async () => (await import('../api/season/routes')).seasonRoutes,
  worker: async () => {
    const { createSeasonActivities, seasonTriggers } = await import('../activities/season');
    return { activities: createSeasonActivities, triggers: seasonTriggers };
  },
  workflows: require.resolve('../workflows/season'),
  migrations: {
    '0024_season_subscriptions': () => import('../db/migrations/0024_season_subscriptions'),
    '0025_season_allocations': () => import('../db/migrations/0025_season_allocations'),
    '0026_season_renewals': () => import('../db/migrations/0026_season_renewals'),
  },
});
