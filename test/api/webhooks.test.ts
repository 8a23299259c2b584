import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyUsherSignature } from '../helpers/usher-signature';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { webhookDeliveryWorkflowId } from '../../workflows/webhooks/contract';
import { withTenant } from '../../db/connection';
import { webhookTriggers } from '../../activities/webhooks/triggers';
import { createLogger } from '../../lib/logger';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A tenant's receiver: answers with whatever status the test decides per request. */
async function startReceiver(answer: (n: number) => number) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer(received.length)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    env: { WEBHOOK_RETRY_INITIAL_MS: '20', WEBHOOK_RETRY_MAX_INTERVAL_MS: '40', WEBHOOK_DISABLE_AFTER_FAILURES: '5' },
  });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

describe('tenant webhooks', () => {
  it('delivers signed events, retries a failing receiver with backoff, and logs every attempt', async () => {
    const receiver = await startReceiver((n) => (n <= 2 ? 503 : 200));
    try {
      const endpoint = await t.api.post<{ id: number; secret: string }>('/api/webhooks/endpoints', {
        url: receiver.url,
        event_types: ['order.*'],
      });
      expect(endpoint.status).toBe(201);
      expect(endpoint.body.secret).toMatch(/^whsec_/);
      const f = await createOnSaleEvent(t);
      const order = await t.api.post<{ id: number }>('/api/orders', {
        event_id: f.eventId,
        customer_id: f.customerId,
        items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
      });

      const delivery = await eventually(
        async () => {
          const list = await t.api.get<{ items: { id: number; status: string; event_type: string }[] }>(
            '/api/webhooks/deliveries?event_type=order.created',
          );
          return list.body.items.find((d) => d.status === 'succeeded');
        },
        { what: 'a succeeded order.created delivery' },
      );
      const detail = await t.api.get<{ attempts: number; attempt_log: { status_code: number; latency_ms: number }[] }>(
        `/api/webhooks/deliveries/${delivery.id}`,
      );
      const created = receiver.received.filter((r) => r.headers['usher-event-type'] === 'order.created');
      expect(created.length).toBeGreaterThanOrEqual(1);
      const last = created[created.length - 1];
      expect(verifyUsherSignature(endpoint.body.secret, last.body, last.headers['usher-signature'] as string)).toBe(
        true,
      );
      expect(verifyUsherSignature('whsec_wrong', last.body, last.headers['usher-signature'] as string)).toBe(false);
      expect(JSON.parse(last.body)).toMatchObject({ type: 'order.created', data: { order_id: order.body.id } });
      expect(last.headers['usher-delivery-id']).toBe(String(delivery.id));
      // The first two POSTs of the run were answered 503: whichever event they were, they were logged and retried.
      const all = await h.owner('webhook_attempts').orderBy('id');
      expect(all.slice(0, 2).map((a) => a.status_code)).toEqual([503, 503]);
      expect(detail.body.attempt_log.every((a) => a.latency_ms >= 0)).toBe(true);
      expect(detail.body.attempts).toBe(detail.body.attempt_log.length);
      // order.placed also matched order.*; nothing else (ticket types, events) was sent.
      expect(new Set(receiver.received.map((r) => r.headers['usher-event-type']))).toEqual(
        new Set(['order.placed', 'order.created']),
      );
      const retried = all.find((a) => a.status_code === 503);
      await recordHistory(
        h.temporal,
        webhookDeliveryWorkflowId(t.tenantId, retried.delivery_id),
        'webhook-delivery-retried',
      );
    } finally {
      await receiver.stop();
    }
  });

  it('redelivers on request', async () => {
    const receiver = await startReceiver(() => 204);
    try {
      await t.api.post('/api/webhooks/endpoints', { url: receiver.url, event_types: ['customer.*', 'event.created'] });
      await createOnSaleEvent(t);
      const first = await eventually(
        async () =>
          (
            await t.api.get<{ items: { id: number; status: string }[] }>(
              '/api/webhooks/deliveries?event_type=event.created&status=succeeded',
            )
          ).body.items.at(-1),
        { what: 'delivery' },
      );
      const before = receiver.received.length;
      const again = await t.api.post(`/api/webhooks/deliveries/${first.id}/redeliver`);
      expect(again.status).toBe(202);
      await eventually(async () => receiver.received.length > before, { what: 'the redelivery' });
      expect(receiver.received.at(-1)?.headers['usher-delivery-id']).toBe(String(first.id));
    } finally {
      await receiver.stop();
    }
  });

  it('delivers when the fan-out transaction commits after its workflow first ran', async () => {
    const receiver = await startReceiver(() => 204);
    try {
      const endpoint = await t.api.post<{ id: number }>('/api/webhooks/endpoints', {
        url: receiver.url,
        event_types: ['resale.payout_completed'],
      });
      const [fanout] = webhookTriggers();
      // The trigger inserts the delivery and starts its workflow in one transaction, still open while the worker tries it.
      await withTenant(h.db, t.tenantId, async (tx) => {
        const [outbox] = await tx('outbox')
          .insert({
            tenant_id: t.tenantId,
            type: 'resale.payout_completed',
            aggregate_type: 'resale_transaction',
            aggregate_id: '1',
            payload: { transaction_id: 1, reference: 'po_test' },
          })
          .returning(['id', 'created_at']);
        await fanout.run(
          {
            id: outbox.id,
            tenantId: t.tenantId,
            type: 'resale.payout_completed',
            aggregateType: 'resale_transaction',
            aggregateId: '1',
            payload: { transaction_id: 1, reference: 'po_test' },
            createdAt: outbox.created_at,
          },
          { tx, db: h.db, temporal: h.temporal, config: h.config, logger: createLogger('test', 'silent') },
        );
        await new Promise((r) => setTimeout(r, 500));
      });
      const delivered = await eventually(
        async () => receiver.received.find((r) => r.headers['usher-event-type'] === 'resale.payout_completed'),
        { what: 'the delivery' },
      );
      // The POST is answered before the attempt is recorded.
      const row = await eventually(
        async () => h.owner('webhook_deliveries').where({ endpoint_id: endpoint.body.id, status: 'succeeded' }).first(),
        { what: 'the delivery succeeded' },
      );
      expect(delivered.headers['usher-delivery-id']).toBe(String(row.id));
    } finally {
      await receiver.stop();
    }
  });

  it('disables an endpoint that keeps failing and tells the tenant by e-mail', async () => {
    const receiver = await startReceiver(() => 500);
    try {
      await t.api.patch('/api/tenant', { contact_email: 'ops@tenant.example' });
      const endpoint = await t.api.post<{ id: number }>('/api/webhooks/endpoints', {
        url: receiver.url,
        event_types: ['event.created'],
      });
      await createOnSaleEvent(t);
      const disabled = await eventually(
        async () => {
          const e = await t.api.get<{ status: string; consecutive_failures: number; disabled_reason: string }>(
            `/api/webhooks/endpoints/${endpoint.body.id}`,
          );
          return e.body.status === 'disabled' && e.body;
        },
        { what: 'endpoint disabled', timeoutMs: 30_000 },
      );
      expect(disabled.consecutive_failures).toBe(5);
      const mail = await eventually(
        async () => h.mail.find((m) => m.subject.includes('disabled your webhook endpoint')),
        { what: 'notice e-mail' },
      );
      expect(mail.to).toEqual(['ops@tenant.example']);
      const failed = await eventually(
        async () =>
          (
            await t.api.get<{ items: { status: string }[] }>(
              `/api/webhooks/deliveries?endpoint_id=${endpoint.body.id}&status=failed`,
            )
          ).body.items[0],
        { what: 'failed delivery' },
      );
      expect(failed).toBeDefined();
      const redeliver = await t.api.post(
        `/api/webhooks/deliveries/${(failed as unknown as { id: number }).id}/redeliver`,
      );
      expect([redeliver.status, redeliver.body.code]).toEqual([409, 'endpoint_disabled']);
    } finally {
      await receiver.stop();
    }
  });

  it('rejects endpoints that are not http(s) URLs or have malformed event types', async () => {
    for (const body of [
      { url: 'ftp://x.example/hook', event_types: ['*'] },
      { url: 'https://x.example', event_types: ['Order Created'] },
      { url: 'https://x.example', event_types: [] },
    ]) {
      const res = await t.api.post('/api/webhooks/endpoints', body);
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    }
  });
});
