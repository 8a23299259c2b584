import { endpointWants, isDeliverable } from '../../domain/webhooks/signature';
import { startIdempotent } from '../../lib/temporal';
import {
  webhookDeliveryWorkflowId,
  webhookDeliveryWorkflowType,
  type WebhookDeliveryInput,
} from '../../workflows/webhooks/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { Config } from '../../lib/config';
import { defineTrigger, type Trigger } from '../platform/triggers';

export const webhookRetry = (config: Config): WebhookDeliveryInput['retry'] => ({
  initialIntervalMs: config.WEBHOOK_RETRY_INITIAL_MS,
  maximumIntervalMs: config.WEBHOOK_RETRY_MAX_INTERVAL_MS,
  giveUpAfterMs: config.WEBHOOK_GIVE_UP_AFTER_MS,
});

/**
 * Fans every tenant-visible domain event out to the tenant's subscribed endpoints: one delivery row
 * per endpoint (unique per event, so exactly once), each delivered by its own retrying workflow.
 */
export function webhookTriggers(): Trigger[] {
  return [
    defineTrigger({
      name: 'webhooks.fanout',
      on: ['*'],
      async run(event, { tx, temporal, config }) {
        if (!isDeliverable(event.type)) return;
        const endpoints = (
          await tx('webhook_endpoints').where({ status: 'active' }).select('id', 'event_types')
        ).filter((e: { event_types: string[] }) => endpointWants(e.event_types, event.type));
        if (!endpoints.length) return;
        const created = await tx('webhook_deliveries')
          .insert(
            endpoints.map((e: { id: number }) => ({
              tenant_id: event.tenantId,
              endpoint_id: e.id,
              outbox_id: event.id,
              event_type: event.type,
              payload: JSON.stringify(event.payload),
            })),
          )
          .onConflict(['endpoint_id', 'outbox_id'])
          .ignore()
          .returning('id');
        const eventId = 'event_id' in event.payload ? event.payload.event_id : undefined;
        for (const { id } of created as { id: number }[]) {
          await startIdempotent(temporal, webhookDeliveryWorkflowType, {
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            workflowId: webhookDeliveryWorkflowId(event.tenantId, id),
            args: [
              { tenantId: event.tenantId, deliveryId: id, retry: webhookRetry(config) } satisfies WebhookDeliveryInput,
            ],
            typedSearchAttributes: searchAttributes(event.tenantId, eventId),
          });
        }
      },
    }),
  ];
}
