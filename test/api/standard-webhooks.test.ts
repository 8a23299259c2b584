import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { standardSecret, verifyDelivery } from '../../examples/webhook-receiver';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { verifyUsherSignature } from '../helpers/usher-signature';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A tenant's receiver that answers 503 to the first `failures` attempts of each webhook-id, then 204. */
async function startReceiver(failures: number) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const tries = received.filter((r) => r.headers['webhook-id'] === req.headers['webhook-id']).length;
      res.writeHead(tries <= failures ? 503 : 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Exactly the three headers a Standard Webhooks library reads, as a receiver's framework hands them over. */
const standardHeaders = (r: Received): Record<string, string> => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    env: { WEBHOOK_RETRY_INITIAL_MS: '20', WEBHOOK_RETRY_MAX_INTERVAL_MS: '40' },
  });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

async function succeededDelivery(endpointId: number) {
  return eventually(
    async () =>
      (
        await t.api.get<{ items: { id: number }[] }>(
          `/api/webhooks/deliveries?endpoint_id=${endpointId}&status=succeeded`,
        )
      ).body.items[0],
    { what: 'a succeeded delivery' },
  );
}

describe('Standard Webhooks signatures', () => {
  it('signs real deliveries so the standardwebhooks package verifies them, with one webhook-id across retries', async () => {
    const receiver = await startReceiver(2);
    const endpoint = await t.api.post<{ id: number; secret: string }>('/api/webhooks/endpoints', {
      url: receiver.url,
      event_types: ['event.created'],
    });
    try {
      expect(endpoint.status).toBe(201);
      const { secret } = endpoint.body;
      // Standard base64 of 24 random bytes: what every Standard Webhooks library decodes after whsec_.
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      const f = await createOnSaleEvent(t);
      const delivery = await succeededDelivery(endpoint.body.id);

      const attempts = receiver.received.filter((r) => r.headers['usher-delivery-id'] === String(delivery.id));
      expect(attempts.map((a) => a.headers['webhook-id'])).toEqual([
        String(delivery.id),
        String(delivery.id),
        String(delivery.id),
      ]);
      const webhook = new Webhook(secret);
      const nowS = Date.now() / 1000;
      for (const a of attempts) {
        expect(a.headers['webhook-timestamp']).toMatch(/^\d+$/);
        expect(Math.abs(Number(a.headers['webhook-timestamp']) - nowS)).toBeLessThan(60);
        expect(a.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
        expect(webhook.verify(a.body, standardHeaders(a))).toEqual(JSON.parse(a.body));
        expect(verifyDelivery(webhook, a.body, a.headers)).toMatchObject({
          type: 'event.created',
          data: { event_id: f.eventId },
        });
        // Existing receivers keep verifying the legacy header, signed at the same instant.
        expect(verifyUsherSignature(secret, a.body, a.headers['usher-signature'] as string)).toBe(true);
        expect(a.headers['usher-signature']).toMatch(
          new RegExp(`^t=${a.headers['webhook-timestamp']},v1=[0-9a-f]{64}$`),
        );
      }

      const last = attempts[attempts.length - 1];
      const tampered = last.body.replace(`"event_id":${f.eventId}`, `"event_id":${f.eventId + 1}`);
      expect(tampered).not.toBe(last.body);
      expect(() => webhook.verify(tampered, standardHeaders(last))).toThrow(WebhookVerificationError);
      expect(() => verifyDelivery(webhook, tampered, last.headers)).toThrow(WebhookVerificationError);
      const wrong = new Webhook(`whsec_${randomBytes(24).toString('base64')}`);
      expect(() => wrong.verify(last.body, standardHeaders(last))).toThrow(WebhookVerificationError);
      expect(() =>
        webhook.verify(last.body, { ...standardHeaders(last), 'webhook-id': String(delivery.id + 1) }),
      ).toThrow(WebhookVerificationError);

      // A redelivery on request is the same delivery: receivers that processed it already skip it.
      const before = receiver.received.length;
      expect((await t.api.post(`/api/webhooks/deliveries/${delivery.id}/redeliver`)).status).toBe(202);
      const again = await eventually(async () => receiver.received[before], { what: 'the redelivery' });
      expect(again.headers['webhook-id']).toBe(String(delivery.id));
      expect(webhook.verify(again.body, standardHeaders(again))).toEqual(JSON.parse(last.body));
    } finally {
      await t.api.delete(`/api/webhooks/endpoints/${endpoint.body.id}`);
      await receiver.stop();
    }
  });

  it('signs for an endpoint created with a URL-safe secret: the same key in the standard alphabet, Usher-Signature as before', async () => {
    const receiver = await startReceiver(0);
    const endpoint = await t.api.post<{ id: number }>('/api/webhooks/endpoints', {
      url: receiver.url,
      event_types: ['event.created'],
    });
    try {
      // What POST /api/webhooks/endpoints issued before deliveries were signed the Standard Webhooks way.
      const legacy = `whsec_${Buffer.from('fbefff3ef7df' + randomBytes(18).toString('hex'), 'hex').toString('base64url')}`;
      expect(legacy).toMatch(/-.*_|_.*-/);
      await h.owner('webhook_endpoints').where({ id: endpoint.body.id }).update({ secret: legacy });
      const f = await createOnSaleEvent(t);
      const delivery = await succeededDelivery(endpoint.body.id);
      const received = receiver.received.find((r) => r.headers['webhook-id'] === String(delivery.id));
      if (!received) throw new Error('the delivery did not reach the receiver');

      expect(() => new Webhook(legacy)).toThrow();
      expect(verifyDelivery(new Webhook(standardSecret(legacy)), received.body, received.headers)).toMatchObject({
        type: 'event.created',
        data: { event_id: f.eventId },
      });
      expect(verifyUsherSignature(legacy, received.body, received.headers['usher-signature'] as string)).toBe(true);
    } finally {
      await t.api.delete(`/api/webhooks/endpoints/${endpoint.body.id}`);
      await receiver.stop();
    }
  });
});
