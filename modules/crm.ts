import { CrmSettingsSchema } from '../domain/crm/settings';
import { CRM_EVENT_TYPES } from '../domain/crm/events';
import { defineModule } from './kit';

/**
 * CRM and marketing automation: customer data and metrics (lifetime value, churn, RFM), segments,
 * automations as Temporal workflows, campaigns with A/B tests and send-time optimisation.
 */
export default defineModule({
  name: 'crm',
  tag: 'crm',
  addOn: 'crm',
  settings: CrmSettingsSchema,
  emits: CRM_EVENT_TYPES,
  api: async () => (await import('../api/crm/routes')).crmRoutes,
  worker: async () => {
    const [{ createCrmActivities }, { crmTriggers }] = await Promise.all([
      import('../activities/crm'),
      import('../activities/crm/triggers'),
    ]);
    return { activities: createCrmActivities, triggers: crmTriggers };
  },
  workflows: require.resolve('../workflows/crm'),
  migrations: {
    '0016_crm_customer_data': () => import('../db/migrations/0016_crm_customer_data'),
    '0017_crm_segments': () => import('../db/migrations/0017_crm_segments'),
    '0018_crm_campaigns': () => import('../db/migrations/0018_crm_campaigns'),
    '0019_crm_automations': () => import('../db/migrations/0019_crm_automations'),
  },
});
