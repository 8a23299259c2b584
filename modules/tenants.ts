import { defineModule } from './kit';

/** The tenant itself and its API keys. */
export default defineModule({
  name: 'tenants',
  tag: 'Tenants',
  emits: [],
  api: async () => (await import('../api/tenants/routes')).tenantRoutes,
});
