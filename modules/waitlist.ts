import { WaitlistSettingsSchema } from '../domain/waitlist/settings';
import { defineModule } from './kit';

/** Waitlists for sold-out events and the offers that hold released tickets for the next in line. */
export default defineModule({
  name: 'waitlist',
  tag: 'Waitlist',
  addOn: 'waitlist',
  settings: WaitlistSettingsSchema,
  emits: ['waitlist.offers_made', 'waitlist.offer_expired', 'waitlist.offer_cancelled', 'waitlist.purchased'],
  api: async () => (await import('../api/waitlist/routes')).waitlistRoutes,
  worker: async () => {
    const [{ createWaitlistActivities }, { waitlistTriggers }] = await Promise.all([
      import('../activities/waitlist'),
      import('../activities/waitlist/triggers'),
    ]);
    return { activities: createWaitlistActivities, triggers: waitlistTriggers };
  },
  workflows: require.resolve('../workflows/waitlist'),
  migrations: {
    '0004_waitlist_resale': () => import('../db/migrations/0004_waitlist_resale'),
    '0010_join_hot_path': () => import('../db/migrations/0010_join_hot_path'),
  },
});
