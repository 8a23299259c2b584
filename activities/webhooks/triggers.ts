import { insertDeliveries } from '../../db/webhooks/deliveries';
import { listActiveEndpoints } from '../../db/webhooks/endpoints';
import { endpointWants, isDeliverable } from '../../domain/webhooks/signature';
import { startIdempotent } from '../../lib/temporal';
import {
  webhookDeliveryWorkflowId,
  webhookDeliveryWorkflowType,
  webhookRetry,
  type WebhookDeliveryInput,
} from '../../workflows/webhooks/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import { defineTrigger, type Trigger } from '../platform/triggers';

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
        const endpoints = (await listActiveEndpoints(tx)).filter((e) => endpointWants(e.event_types, event.type));
        if (!endpoints.length) return;
        const created = await insertDeliveries(
          tx,
          event.tenantId,
          { outboxId: event.id, type: event.type, payload: event.payload },
          endpoints.map((e) => e.id),
        );
        // A null event_id (a survey answered outside an event) sets no EventId attribute.
        const eventId = ('event_id' in event.payload ? event.payload.event_id : undefined) ?? undefined;
        for (const id of created) {
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
