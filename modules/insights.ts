import { defineModule } from './kit';

/**
 * Reactions of the proposal's event-driven architecture that feed later modules: the sold-out
 * notice (marketing) and the end-of-event summary (analytics). Customer metrics moved to the CRM
 * module; their table stays in this module's migration, which created it.
 */
export default defineModule({
  name: 'insights',
  tag: 'Insights',
  emits: [],
  worker: async () => ({ triggers: (await import('../activities/insights/triggers')).insightTriggers }),
  migrations: { '0008_insights': () => import('../db/migrations/0008_insights') },
});
