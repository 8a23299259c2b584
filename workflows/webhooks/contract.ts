import { defineQuery } from '@temporalio/workflow';
import { workflowId } from '../ids';
import type * as workflows from '.';
import { workflowType } from '../workflow-type';
import type { Config } from '../../lib/config';

export const WEBHOOK_DELIVERY_KIND = 'webhook-delivery';

/** A manual redelivery is its own run (`<id>-r<n>`), so it never collides with a run that is still closing. */
export const webhookDeliveryWorkflowId = (tenantId: string, deliveryId: number, redelivery = 0): string =>
  workflowId(WEBHOOK_DELIVERY_KIND, tenantId, redelivery ? `${deliveryId}-r${redelivery}` : deliveryId);

export interface WebhookDeliveryInput {
  tenantId: string;
  deliveryId: number;
  /** Exponential backoff: first retry after initialIntervalMs, doubling up to maximumIntervalMs, for giveUpAfterMs in all. */
  retry: { initialIntervalMs: number; maximumIntervalMs: number; giveUpAfterMs: number };
}

/** The retry schedule every delivery run gets, from the deployment's settings. */
export const webhookRetry = (config: Config): WebhookDeliveryInput['retry'] => ({
  initialIntervalMs: config.WEBHOOK_RETRY_INITIAL_MS,
  maximumIntervalMs: config.WEBHOOK_RETRY_MAX_INTERVAL_MS,
  giveUpAfterMs: config.WEBHOOK_GIVE_UP_AFTER_MS,
});

export interface WebhookDeliveryState {
  status: 'delivering' | 'succeeded' | 'failed' | 'skipped';
  error?: string;
}

export const getDeliveryStateQuery = defineQuery<WebhookDeliveryState>('getDeliveryState');

/** How the API and triggers start it: typed by the function, whose code they never load. */
export const webhookDeliveryWorkflowType = workflowType<typeof workflows>()('webhookDeliveryWorkflow');
