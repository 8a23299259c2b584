import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { WebhookActivities } from '../../activities/webhooks';
import { getDeliveryStateQuery, type WebhookDeliveryInput, type WebhookDeliveryState } from './contract';

const bookkeeping = proxyActivities<WebhookActivities>({ startToCloseTimeout: '30 seconds' });

/** Delivers one event to one endpoint, retrying with exponential backoff for a day before giving up. */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryState> {
  const state: WebhookDeliveryState = { status: 'delivering' };
  setHandler(getDeliveryStateQuery, () => state);

  const { attemptDelivery } = proxyActivities<WebhookActivities>({
    // Covers the HTTP timeout plus bookkeeping; each failed POST is one retry of this activity.
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: input.retry.giveUpAfterMs,
    retry: {
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: input.retry.maximumIntervalMs,
      nonRetryableErrorTypes: ['delivery_gone', 'endpoint_disabled'],
    },
  });

  try {
    await attemptDelivery({ tenantId: input.tenantId, deliveryId: input.deliveryId });
    state.status = 'succeeded';
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    state.status = cause?.type === 'delivery_gone' ? 'skipped' : 'failed';
    state.error = cause?.message ?? (err as Error).message;
    if (state.status === 'failed')
      await bookkeeping.markDeliveryFailed({
        tenantId: input.tenantId,
        deliveryId: input.deliveryId,
        reason: state.error,
      });
  }
  return state;
}
