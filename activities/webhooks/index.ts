import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { withTenant, type Db, type Tx } from '../../db/connection';
import { queueEmail } from '../../db/platform/mail';
import { emit } from '../../db/platform/outbox';
import { getTenant } from '../../db/tenants/tenants';
import { getDelivery, recordAttempt, setDeliveryFailed } from '../../db/webhooks/deliveries';
import {
  countEndpointFailure,
  disableFailingEndpoint,
  getEndpoint,
  resetEndpointFailures,
} from '../../db/webhooks/endpoints';
import { deliverySignatureHeaders } from '../../domain/webhooks/signature';
import { postWebhook } from '../../integrations/webhooks/client';
import { addressRule, type AddressRule } from '../../integrations/webhooks/destination';
import type { Config } from '../../lib/config';

/** How long a delivery row may stay invisible after its workflow started (its transaction has not committed). */
const DELIVERY_VISIBLE_WITHIN_MS = 60_000;

export interface WebhookActivityDeps {
  db: Db;
  config: Config;
  /** Which addresses count as public (tests stand a local receiver in for a public one). */
  isPublicAddress?: AddressRule;
}

export function createWebhookActivities({ db, config, isPublicAddress }: WebhookActivityDeps) {
  const rule = addressRule(config.WEBHOOK_ALLOW_PRIVATE_URLS, isPublicAddress);
  return {
    /**
     * One POST: logged as an attempt; a non-2xx answer throws so Temporal retries with backoff. A
     * destination that is not public is a failure no retry will mend.
     */
    async attemptDelivery(input: { tenantId: string; deliveryId: number }): Promise<void> {
      const target = await withTenant(db, input.tenantId, async (tx) => {
        const delivery = await getDelivery(tx, input.deliveryId);
        if (!delivery) return undefined;
        return { delivery, endpoint: await getEndpoint(tx, delivery.endpoint_id) };
      });
      if (!target) {
        // The fan-out starts this workflow inside the outbox transaction that inserts the row: a
        // worker can get here before that commits. Only a row still missing a while later is gone.
        if (Date.now() - Context.current().info.scheduledTimestampMs < DELIVERY_VISIBLE_WITHIN_MS)
          throw ApplicationFailure.retryable('The delivery is not visible yet', 'delivery_pending');
        throw ApplicationFailure.nonRetryable('The delivery no longer exists', 'delivery_gone');
      }
      const { delivery, endpoint } = target;
      if (delivery.status === 'succeeded') return;
      if (endpoint?.status !== 'active')
        throw ApplicationFailure.nonRetryable('The endpoint is disabled', 'endpoint_disabled');

      const body = JSON.stringify({
        id: `evt_${delivery.outbox_id}`,
        type: delivery.event_type,
        created_at: delivery.created_at,
        data: delivery.payload,
      });
      const result = await postWebhook(
        endpoint.url,
        body,
        {
          'content-type': 'application/json',
          'user-agent': 'Usher-Webhooks/1',
          'usher-delivery-id': String(delivery.id),
          'usher-event-type': delivery.event_type,
          ...deliverySignatureHeaders(endpoint.secret, String(delivery.id), body, Math.floor(Date.now() / 1000)),
        },
        { timeoutMs: config.WEBHOOK_TIMEOUT_MS, rule },
      );
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300;

      await withTenant(db, input.tenantId, async (tx) => {
        await recordAttempt(tx, input.tenantId, delivery, { ...result, error: result.refused ?? result.error, ok });
        if (ok) {
          await resetEndpointFailures(tx, endpoint.id);
          return;
        }
        const failures = await countEndpointFailure(tx, endpoint.id);
        if (failures >= config.WEBHOOK_DISABLE_AFTER_FAILURES)
          await disableEndpoint(tx, input.tenantId, endpoint.id, endpoint.url, failures);
      });
      if (result.refused) throw ApplicationFailure.nonRetryable(result.refused, 'destination_refused');
      if (!ok) throw new Error(`Webhook endpoint answered ${result.status ?? result.error}`);
    },

    async markDeliveryFailed(input: { tenantId: string; deliveryId: number; reason: string }): Promise<void> {
      await withTenant(db, input.tenantId, (tx) => setDeliveryFailed(tx, input.deliveryId, input.reason));
    },
  };
}

async function disableEndpoint(
  tx: Tx,
  tenantId: string,
  endpointId: number,
  url: string,
  failures: number,
): Promise<void> {
  if (!(await disableFailingEndpoint(tx, endpointId, failures))) return;
  await emit(tx, tenantId, {
    type: 'webhook.endpoint_disabled',
    aggregateType: 'webhook_endpoint',
    aggregateId: endpointId,
    payload: { endpoint_id: endpointId, url, consecutive_failures: failures },
  });
  const tenant = await getTenant(tx, tenantId);
  if (tenant?.contact_email) {
    await queueEmail(tx, tenantId, {
      idempotencyKey: `webhook-disabled-${endpointId}-${Date.now()}`,
      to: tenant.contact_email,
      subject: `Usher disabled your webhook endpoint ${url}`,
      text: `After ${failures} consecutive failed deliveries we stopped sending events to ${url}.\nFix the receiver, then re-enable it with PATCH /api/webhooks/endpoints/${endpointId} {"status":"active"} and redeliver what it missed.`,
    });
  }
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
