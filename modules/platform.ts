import { defineModule } from './kit';

/** Module subscriptions, billing, the audit trail, the outbox and e-mail: what every module builds on. */
export default defineModule({
  name: 'platform',
  tag: 'Platform',
  emits: ['email.queued', 'module.enabled'],
  api: async () => (await import('../api/platform/routes')).platformRoutes,
  worker: async () => {
    const { mailTrigger } = await import('../activities/platform/mail-trigger');
    return { triggers: (deps) => [mailTrigger(deps.mailer)] };
  },
  migrations: {
    // The core schema (tenants, events, orders, tickets, customers, outbox) every module builds on.
    '0001_core': () => import('../db/migrations/0001_core'),
    '0002_platform': () => import('../db/migrations/0002_platform'),
    '0012_authenticate_with_module': () => import('../db/migrations/0012_authenticate_with_module'),
    '0013_idempotency_caller': () => import('../db/migrations/0013_idempotency_caller'),
  },
});
