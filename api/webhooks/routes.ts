import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Tx } from '../../db/connection';
import {
  getDelivery,
  listAttempts,
  listDeliveries,
  reopenDelivery,
  type DeliveryRow,
} from '../../db/webhooks/deliveries';
import {
  getEndpoint,
  insertEndpoint,
  listEndpoints,
  retireEndpoint,
  updateEndpoint,
  type EndpointRow,
} from '../../db/webhooks/endpoints';
import { conflict, notFound } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  webhookDeliveryWorkflowId,
  webhookDeliveryWorkflowType,
  webhookRetry,
} from '../../workflows/webhooks/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import { CreateEndpoint, CreatedEndpoint, Delivery, DeliveryQuery, Endpoint, UpdateEndpoint } from './schemas';
import { assertPublicWebhookUrl } from './service';

const toEndpoint = (e: EndpointRow): z.infer<typeof Endpoint> => ({
  id: e.id,
  url: e.url,
  event_types: e.event_types,
  description: e.description,
  status: e.status,
  consecutive_failures: e.consecutive_failures,
  disabled_at: isoOrNull(e.disabled_at),
  disabled_reason: e.disabled_reason,
  created_at: e.created_at.toISOString(),
});

const toDelivery = (d: DeliveryRow): z.infer<typeof Delivery> => ({
  id: d.id,
  endpoint_id: d.endpoint_id,
  event_id: `evt_${d.outbox_id}`,
  event_type: d.event_type,
  status: d.status,
  attempts: d.attempts,
  last_status_code: d.last_status_code,
  last_error: d.last_error,
  created_at: d.created_at.toISOString(),
  delivered_at: isoOrNull(d.delivered_at),
});

async function loadEndpoint(tx: Tx, id: number): Promise<EndpointRow> {
  const row = await getEndpoint(tx, id);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

async function loadDelivery(tx: Tx, id: number): Promise<DeliveryRow> {
  const row = await getDelivery(tx, id);
  if (!row) throw notFound('Delivery');
  return row;
}

export function webhookRoutes(deps: RouterDeps): void {
  const tags = ['Webhooks'];

  defineRoute(deps, {
    method: 'post',
    path: '/api/webhooks/endpoints',
    summary: 'Subscribe an HTTPS endpoint to event types; the signing secret is shown once',
    tags,
    access: { scope: 'admin' },
    body: CreateEndpoint,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: CreatedEndpoint } },
    handler: async ({ tx, auth, body }) => {
      await assertPublicWebhookUrl(body.url, deps.config);
      // Standard base64, which the Standard Webhooks libraries decode (they refuse the URL-safe alphabet).
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const row = await insertEndpoint(tx, auth.tenantId, {
        url: body.url,
        secret,
        event_types: body.event_types,
        description: body.description ?? null,
      });
      return { status: 201, body: { ...toEndpoint(row), secret } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/webhooks/endpoints',
    summary: 'List webhook endpoints',
    tags,
    access: { scope: 'admin' },
    responses: { 200: { description: 'Endpoints', schema: z.object({ items: z.array(Endpoint) }) } },
    handler: async ({ tx }) => ({
      body: { items: (await listEndpoints(tx)).map(toEndpoint) },
    }),
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/webhooks/endpoints/{id}',
    summary: 'Get a webhook endpoint',
    tags,
    access: { scope: 'admin' },
    params: IdParams,
    responses: { 200: { description: 'Endpoint', schema: Endpoint } },
    handler: async ({ tx, params }) => ({ body: toEndpoint(await loadEndpoint(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/webhooks/endpoints/{id}',
    summary: 'Change or re-enable a webhook endpoint',
    tags,
    access: { scope: 'admin' },
    params: IdParams,
    body: UpdateEndpoint,
    responses: { 200: { description: 'Endpoint', schema: Endpoint } },
    handler: async ({ tx, params, body }) => {
      await loadEndpoint(tx, params.id);
      if (body.url !== undefined) await assertPublicWebhookUrl(body.url, deps.config);
      return { body: toEndpoint(await updateEndpoint(tx, params.id, body)) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/webhooks/endpoints/{id}',
    summary: 'Stop sending events to an endpoint (its delivery log stays)',
    tags,
    access: { scope: 'admin' },
    params: IdParams,
    responses: { 200: { description: 'Disabled', schema: Endpoint } },
    handler: async ({ tx, params }) => {
      await loadEndpoint(tx, params.id);
      return { body: toEndpoint(await retireEndpoint(tx, params.id)) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/webhooks/deliveries',
    summary: 'The delivery log: status, attempts, last answer',
    tags,
    access: { scope: 'admin' },
    query: DeliveryQuery,
    responses: { 200: { description: 'Deliveries', schema: page(Delivery) } },
    handler: async ({ tx, query }) => {
      const rows = await listDeliveries(tx, {
        endpointId: query.endpoint_id,
        status: query.status,
        eventType: query.event_type,
        after: query.after,
        limit: query.limit,
      });
      return { body: { ...toPage(rows, query.limit), items: rows.map(toDelivery) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/webhooks/deliveries/{id}',
    summary: 'One delivery with every attempt (status code, latency, error)',
    tags,
    access: { scope: 'admin' },
    params: IdParams,
    responses: { 200: { description: 'Delivery', schema: Delivery } },
    handler: async ({ tx, params }) => {
      const row = await loadDelivery(tx, params.id);
      const attempts = await listAttempts(tx, row.id);
      return {
        body: {
          ...toDelivery(row),
          attempt_log: attempts.map((a) => ({
            attempt: a.attempt,
            status_code: a.status_code,
            latency_ms: a.latency_ms,
            error: a.error,
            attempted_at: a.attempted_at.toISOString(),
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/webhooks/deliveries/{id}/redeliver',
    summary: 'Send a delivery again (e.g. after fixing a receiver)',
    tags,
    access: { scope: 'admin' },
    params: IdParams,
    responses: { 202: { description: 'Redelivery started', schema: Delivery } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const row = await loadDelivery(tx, params.id);
      const endpoint = await loadEndpoint(tx, row.endpoint_id);
      if (endpoint.status !== 'active')
        throw conflict('endpoint_disabled', 'Re-enable the endpoint before redelivering');
      const updated = await reopenDelivery(tx, row.id);
      afterCommit(async () => {
        await startIdempotent(deps.temporal, webhookDeliveryWorkflowType, {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          workflowId: webhookDeliveryWorkflowId(auth.tenantId, row.id, updated.redeliveries),
          args: [{ tenantId: auth.tenantId, deliveryId: row.id, retry: webhookRetry(deps.config) }],
          typedSearchAttributes: searchAttributes(auth.tenantId),
        });
      });
      return { status: 202, body: toDelivery(updated) };
    },
  });
}
