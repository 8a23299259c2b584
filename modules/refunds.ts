import { RefundSettingsSchema } from '../domain/refunds/settings';
import { defineModule } from './kit';

/** Refund and exchange requests under the organiser's policy, approvals, store credit. */
export default defineModule({
  name: 'refunds',
  tag: 'Refunds',
  addOn: 'refunds',
  settings: RefundSettingsSchema,
  emits: [
    'refund.requested',
    'refund.approved',
    'refund.rejected',
    'refund.processed',
    'refund.reminder',
    'ticket.transferred',
    'ticket.voided',
    'ticket.cancelled',
    'event.refunds_started',
    'event.refunds_completed',
  ],
  api: async () => (await import('../api/refunds/routes')).refundRoutes,
  worker: async () => {
    const [{ createRefundActivities }, { refundTriggers }] = await Promise.all([
      import('../activities/refunds'),
      import('../activities/refunds/triggers'),
    ]);
    return { activities: createRefundActivities, triggers: refundTriggers };
  },
  workflows: require.resolve('../workflows/refunds'),
  migrations: {
    '0006_refunds': () => import('../db/migrations/0006_refunds'),
    '0015_event_refund_runs': () => import('../db/migrations/0015_event_refund_runs'),
  },
});
