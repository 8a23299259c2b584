import { defineModule } from './kit';

/**
 * Reactions of the proposal's event-driven architecture that feed later modules: customer purchase
 * metrics (CRM), the sold-out notice (marketing) and the end-of-event summary (analytics).
 */
export default defineModule({
  name: 'insights',
  tag: 'Insights',
  emits: [],
  worker: async () => ({ triggers: (await import('../activities/insights/triggers')).insightTriggers }),
  migrations: { '0008_insights': () => import('../db/migrations/0008_insights') },
});
