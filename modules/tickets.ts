import { defineModule } from './kit';

/** Issued tickets: listing, reading and changing their holder details. */
export default defineModule({
  name: 'tickets',
  tag: 'Tickets',
  emits: ['ticket.updated', 'ticket.cancelled'],
  api: async () => (await import('../api/tickets/routes')).ticketRoutes,
});
