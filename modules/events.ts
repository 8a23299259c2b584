import { defineModule } from './kit';

/** Events and their ticket types, and the lifecycle timer that ends each event. */
export default defineModule({
  name: 'events',
  tag: 'Events',
  emits: [
    'event.created',
    'event.updated',
    'event.cancelled',
    'event.ended',
    'event.sold_out',
    'event.back_on_sale',
    'ticket_type.inventory_changed',
  ],
  api: async () => (await import('../api/events/routes')).eventRoutes,
  worker: async () => {
    const [{ createEventActivities }, { eventTriggers }] = await Promise.all([
      import('../activities/events'),
      import('../activities/events/triggers'),
    ]);
    return { activities: createEventActivities, triggers: eventTriggers };
  },
  workflows: require.resolve('../workflows/events'),
});
