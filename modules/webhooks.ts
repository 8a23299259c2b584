import { defineModule } from './kit';

/** Tenant webhooks: every domain event delivered, signed and retried. */
export default defineModule({
  name: 'webhooks',
  tag: 'Webhooks',
  emits: ['webhook.endpoint_disabled'],
  api: async () => (await import('../api/webhooks/routes')).webhookRoutes,
  worker: async () => {
    const [{ createWebhookActivities }, { webhookTriggers }] = await Promise.all([
      import('../activities/webhooks'),
      import('../activities/webhooks/triggers'),
    ]);
    return { activities: createWebhookActivities, triggers: webhookTriggers };
  },
  workflows: require.resolve('../workflows/webhooks'),
  migrations: { '0007_webhooks': () => import('../db/migrations/0007_webhooks') },
});
