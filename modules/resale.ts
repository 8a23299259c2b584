import { defineModule } from './kit';

/** Fan-to-fan resale, the waitlist add-on's second half: listings, purchases and held payouts. */
export default defineModule({
  name: 'resale',
  tag: 'Resale',
  addOn: 'waitlist',
  emits: ['resale.listed', 'resale.cancelled', 'resale.sold', 'resale.payout_completed', 'ticket.voided'],
  api: async () => (await import('../api/resale/routes')).resaleRoutes,
  worker: async () => ({ activities: (await import('../activities/resale')).createResaleActivities }),
  workflows: require.resolve('../workflows/resale'),
});
