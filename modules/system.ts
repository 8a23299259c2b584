import { defineModule } from './kit';

/** Health, readiness, metrics and the API's own documentation. */
export default defineModule({
  name: 'system',
  tag: 'System',
  emits: [],
  api: async () => (await import('../api/system/routes')).systemRoutes,
});
