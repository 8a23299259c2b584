import { AfterParam, IdParam, limitParam } from '../schemas/common';
import { z } from 'zod';

const EventType = z
  .string()
  .regex(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, 'an event type such as order.created, order.* or *')
  .max(100);

const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .meta({
    description:
      'http(s) URL of a public host: private, loopback and link-local addresses, and names resolving to them, answer 400 webhook_url_not_public',
  });

export const CreateEndpoint = z.strictObject({
  url: WebhookUrl,
  event_types: z.array(EventType).min(1).max(50),
  description: z.string().trim().max(500).optional(),
});

export const UpdateEndpoint = z.strictObject({
  url: WebhookUrl.optional(),
  event_types: z.array(EventType).min(1).max(50).optional(),
  description: z.string().trim().max(500).nullable().optional(),
  status: z
    .enum(['active', 'disabled'])
    .optional()
    .meta({ description: 'Set active to re-enable an endpoint that was disabled after failures' }),
});

export const Endpoint = z
  .object({
    id: z.number().int(),
    url: z.string(),
    event_types: z.array(z.string()),
    description: z.string().nullable(),
    status: z.enum(['active', 'disabled']),
    consecutive_failures: z.number().int(),
    disabled_at: z.string().nullable(),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const CreatedEndpoint = Endpoint.extend({
  secret: z.string().meta({ description: 'Signing secret, shown once' }),
});

export const DeliveryQuery = z.object({
  endpoint_id: IdParam.optional(),
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  event_type: z.string().max(100).optional(),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const Delivery = z
  .object({
    id: z.number().int(),
    endpoint_id: z.number().int(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
    attempt_log: z
      .array(
        z.object({
          attempt: z.number().int(),
          status_code: z.number().int().nullable(),
          latency_ms: z.number().int(),
          error: z.string().nullable(),
          attempted_at: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'WebhookDelivery' });
