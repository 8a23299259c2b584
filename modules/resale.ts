import { defineModule } from './kit';

/** Fan-to-fan resale, the waitlist add-on's second half: listings, purchases and held payouts. */
export default defineModule({
  name: 'resale',
  tag: 'Resale',
  addOn: 'waitlist',
  emits: ['resale.listed', 'resale.cancelled', 'resale.sold', 'resale.payout_completed', 'ticket.voided'],
  api: async () => (await import('../api/resale/routes')).resaleRoutes,
  worker: async () => {
    const [{ createResaleActivities }, { createResalePurchaseActivities }, { resaleTriggers }] = await Promise.all([
      import('../activities/resale'),
      import('../activities/resale/purchase'),
      import('../activities/resale/triggers'),
    ]);
    return {
      activities: (deps) => ({ ...createResaleActivities(deps), ...createResalePurchaseActivities(deps) }),
      triggers: resaleTriggers,
    };
  },
  workflows: require.resolve('../workflows/resale'),
  migrations: {
    '0014_resale_purchase_claims': () => import('../db/migrations/0014_resale_purchase_claims'),
  },
});
