import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Tx } from '../../db/connection';
import { conflict, notFound } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import { webhookRetry } from '../../activities/webhooks/triggers';
import { webhookDeliveryWorkflowId, webhookDeliveryWorkflowType } from '../../workflows/webhooks/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import { CreateEndpoint, CreatedEndpoint, Delivery, DeliveryQuery, Endpoint, UpdateEndpoint } from './schemas';

interface EndpointRow {
  id: number;
  url: string;
  secret: string;
  event_types: string[];
  description: string | null;
  status: 'active' | 'disabled';
  consecutive_failures: number;
  disabled_at: Date | null;
  disabled_reason: string | null;
  created_at: Date;
}

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

interface DeliveryRow {
  id: number;
  endpoint_id: number;
  outbox_id: number;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

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
  const row = await tx<EndpointRow>('webhook_endpoints').where({ id }).first();
  if (!row) throw notFound('Webhook endpoint');
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
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      const [row] = await tx('webhook_endpoints')
        .insert({
          tenant_id: auth.tenantId,
          url: body.url,
          secret,
          event_types: body.event_types,
          description: body.description ?? null,
        })
        .returning('*');
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
      body: { items: (await tx<EndpointRow>('webhook_endpoints').orderBy('id')).map(toEndpoint) },
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
      const reenable =
        body.status === 'active' ? { consecutive_failures: 0, disabled_at: null, disabled_reason: null } : {};
      const disable =
        body.status === 'disabled' ? { disabled_at: tx.fn.now(), disabled_reason: 'disabled by tenant' } : {};
      const [row] = await tx('webhook_endpoints')
        .where({ id: params.id })
        .update({ ...body, ...reenable, ...disable, updated_at: tx.fn.now() })
        .returning('*');
      return { body: toEndpoint(row) };
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
      const [row] = await tx('webhook_endpoints')
        .where({ id: params.id })
        .update({
          status: 'disabled',
          disabled_at: tx.fn.now(),
          disabled_reason: 'deleted by tenant',
          updated_at: tx.fn.now(),
        })
        .returning('*');
      return { body: toEndpoint(row) };
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
      const q = tx<DeliveryRow>('webhook_deliveries').orderBy('id').limit(query.limit);
      if (query.endpoint_id) q.where('endpoint_id', query.endpoint_id);
      if (query.status) q.where('status', query.status);
      if (query.event_type) q.where('event_type', query.event_type);
      if (query.after) q.where('id', '>', query.after);
      const rows = await q;
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
      const row = await tx<DeliveryRow>('webhook_deliveries').where({ id: params.id }).first();
      if (!row) throw notFound('Delivery');
      const attempts = await tx('webhook_attempts').where({ delivery_id: row.id }).orderBy('id');
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
      const row = await tx<DeliveryRow>('webhook_deliveries').where({ id: params.id }).first();
      if (!row) throw notFound('Delivery');
      const endpoint = await loadEndpoint(tx, row.endpoint_id);
      if (endpoint.status !== 'active')
        throw conflict('endpoint_disabled', 'Re-enable the endpoint before redelivering');
      const [updated] = await tx('webhook_deliveries')
        .where({ id: row.id })
        .update({ status: 'pending', delivered_at: null, redeliveries: tx.raw('redeliveries + 1') })
        .returning('*');
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
