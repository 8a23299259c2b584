import { defineModule } from './kit';

/** Orders, their payment and fulfilment, and the payment provider's callbacks. */
export default defineModule({
  name: 'orders',
  tag: 'Orders',
  emits: ['order.placed', 'order.created', 'order.cancelled', 'order.expired', 'order.failed', 'ticket_type.sold_out'],
  api: async () => {
    const [{ orderRoutes }, { stripeWebhookRoutes }] = await Promise.all([
      import('../api/orders/routes'),
      import('../api/orders/stripe-webhook'),
    ]);
    return (deps) => {
      orderRoutes(deps);
      stripeWebhookRoutes(deps);
    };
  },
  worker: async () => ({ activities: (await import('../activities/orders')).createOrderActivities }),
  workflows: require.resolve('../workflows/orders'),
});
