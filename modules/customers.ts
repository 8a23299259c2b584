import { defineModule } from './kit';

/** The tenant's customers and the short-lived tokens they act with. */
export default defineModule({
  name: 'customers',
  tag: 'Customers',
  emits: ['customer.erased'],
  api: async () => (await import('../api/customers/routes')).customerRoutes,
});
