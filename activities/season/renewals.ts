import { startIdempotent } from '../../lib/temporal';
import { searchAttributes } from '../../workflows/search-attributes';
import {
  paymentRecordedSignal,
  renewalChangedSignal,
  seasonRenewalStart,
  seasonRenewalWorkflowId,
  seasonRenewalWorkflowType,
  type SeasonRenewalInput,
} from '../../workflows/season/renewal-contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';
import { createRenewalSteps } from './renewal-steps';

export function createRenewalsActivities(deps: WorkerDeps) {
  return createRenewalSteps(deps);
}

/** Signal-with-start of a subscription's renewal: one not running is started (it reads the subscription afresh). */
const renewalSignalStart = (queue: string, tenantId: string, subscriptionId: number) => ({
  taskQueue: queue,
  workflowId: seasonRenewalWorkflowId(tenantId, subscriptionId),
  args: [{ tenantId, subscriptionId } satisfies SeasonRenewalInput] as [SeasonRenewalInput],
  typedSearchAttributes: searchAttributes(tenantId),
});

export function renewalsTriggers(deps: WorkerDeps): Trigger[] {
  const queue = deps.config.TEMPORAL_TASK_QUEUE;
  return [
    defineTrigger({
      // The subscription row was committed with the event, so the workflow may start inside this
      // transaction: its first activity reads it. Starting again (a retried event) is success.
      name: 'season.renewals.start',
      on: ['season.subscription_started'],
      async run(event, ctx) {
        await startIdempotent(
          ctx.temporal,
          seasonRenewalWorkflowType,
          seasonRenewalStart(queue, event.tenantId, event.payload.subscription_id),
        );
      },
    }),
    defineTrigger({
      // Paused, resumed, cancelled, moved to another package or renewal date: the workflow reads the
      // subscription again, so a cancelled one is never charged and a paused one waits.
      name: 'season.renewals.reschedule',
      on: [
        'season.subscription_paused',
        'season.subscription_resumed',
        'season.subscription_cancelled',
        'season.subscription_changed',
      ],
      async run(event, ctx) {
        await ctx.temporal.workflow.signalWithStart(seasonRenewalWorkflowType.name, {
          ...renewalSignalStart(queue, event.tenantId, event.payload.subscription_id),
          signal: renewalChangedSignal,
          signalArgs: [{ reason: event.type }],
        });
      },
    }),
    defineTrigger({
      // Offline, a renewal is paid by a manual payment recorded through the subscriptions API.
      name: 'season.renewals.manual-payment',
      on: ['season.payment_succeeded'],
      async run(event, ctx) {
        const p = event.payload;
        if (p.provider !== 'offline' || (p.kind !== 'manual' && p.kind !== 'renewal')) return;
        await ctx.temporal.workflow.signalWithStart(seasonRenewalWorkflowType.name, {
          ...renewalSignalStart(queue, event.tenantId, p.subscription_id),
          signal: paymentRecordedSignal,
          signalArgs: [{ paymentId: p.payment_id }],
        });
      },
    }),
  ];
}
