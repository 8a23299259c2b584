import { AnalyticsSettingsSchema } from '../domain/analytics/settings';
import { defineModule } from './kit';

/**
 * Analytics: storefront tracking and Usher's own domain events rolled up incrementally per tenant,
 * event, ticket type, channel and hour; revenue, customer, funnel, attribution and event-performance
 * figures; per-event sales forecasts with intervals; the organiser's `/analytics` page.
 */
export default defineModule({
  name: 'analytics',
  tag: 'analytics',
  addOn: 'analytics',
  settings: AnalyticsSettingsSchema,
  emits: [],
  api: async () => (await import('../api/analytics/routes')).analyticsRoutes,
  worker: async () => {
    const [{ createAnalyticsActivities }, { analyticsTriggers }] = await Promise.all([
      import('../activities/analytics'),
      import('../activities/analytics/triggers'),
    ]);
    return { activities: createAnalyticsActivities, triggers: analyticsTriggers };
  },
  workflows: require.resolve('../workflows/analytics'),
  migrations: {
    '0020_analytics': () => import('../db/migrations/0020_analytics'),
    '0021_analytics_forecasts': () => import('../db/migrations/0021_analytics_forecasts'),
  },
});
