import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createWebhookActivities } from '../../activities/webhooks';
import { isLoopbackName } from '../../domain/webhooks/destinations';
import { postWebhook } from '../../integrations/webhooks/client';
import { DestinationRefused, resolveDestination } from '../../integrations/webhooks/destination';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

/** A receiver on 127.0.0.1 that counts what reaches it and answers as told. */
async function startReceiver(answer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end()) {
  const received: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers);
      answer(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A name other than localhost that the system resolves to loopback: what a rebinding attacker's name does. */
function loopbackNameFromHosts(): string {
  const name = fs
    .readFileSync('/etc/hosts', 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
    .filter(([address]) => address?.startsWith('127.'))
    .flatMap(([, ...names]) => names)
    .find((n) => n && !isLoopbackName(n));
  if (!name) throw new Error('/etc/hosts has no loopback name besides localhost');
  return name;
}

const problemOf = (body: unknown) => {
  const b = body as { code: string; errors?: { path: string; code: string }[] };
  return { code: b.code, paths: b.errors?.map((e) => [e.path, e.code]) };
};
const notPublic = { code: 'webhook_url_not_public', paths: [['body.url', 'webhook_url_not_public']] };

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({
    worker: true,
    env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false', WEBHOOK_RETRY_INITIAL_MS: '20', WEBHOOK_RETRY_MAX_INTERVAL_MS: '40' },
  });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

describe('webhook URLs at create and update', () => {
  it.each([
    'http://127.0.0.1:8080/hooks',
    'http://127.1/hooks',
    'http://2130706433/hooks',
    'http://0x7f000001/hooks',
    'http://0.0.0.0:3000/hooks',
    'https://10.0.0.5/hooks',
    'https://172.16.3.4/hooks',
    'https://172.31.255.254/hooks',
    'https://192.168.0.10/hooks',
    'https://100.64.1.1/hooks',
    'http://169.254.169.254/latest/meta-data/',
    'http://224.0.0.1/hooks',
    'http://255.255.255.255/hooks',
    'http://[::1]:8080/hooks',
    'http://[::]/hooks',
    'http://[fd00::1]/hooks',
    'http://[fc00::1]/hooks',
    'http://[fe80::1]/hooks',
    'http://[ff02::1]/hooks',
    'http://[::ffff:127.0.0.1]/hooks',
    'http://[::ffff:169.254.169.254]/hooks',
    'http://[::ffff:10.0.0.1]/hooks',
    'http://localhost:3000/hooks',
    'http://LOCALHOST./hooks',
    'http://api.localhost/hooks',
  ])('refuses %s at create with 400 webhook_url_not_public on body.url', async (url) => {
    const res = await t.api.post('/api/webhooks/endpoints', { url, event_types: ['none.such'] });
    expect([res.status, res.headers.get('content-type'), problemOf(res.body)]).toEqual([
      400,
      expect.stringContaining('application/problem+json'),
      notPublic,
    ]);
  });

  it('refuses a name that resolves to a loopback address, and says so', async () => {
    const name = loopbackNameFromHosts();
    const res = await t.api.post<{ detail: string }>('/api/webhooks/endpoints', {
      url: `http://${name}:8080/hooks`,
      event_types: ['none.such'],
    });
    expect([res.status, problemOf(res.body)]).toEqual([400, notPublic]);
    expect(res.body.detail).toMatch(new RegExp(`^${name} resolves to 127\\.`));
  });

  it('accepts a public-looking name that does not resolve yet, and refuses a private URL on update', async () => {
    const created = await t.api.post<{ id: number; url: string }>('/api/webhooks/endpoints', {
      url: 'https://hooks.tenant.example/usher',
      event_types: ['none.such'],
    });
    expect(created.status).toBe(201);
    for (const url of [
      'http://169.254.169.254/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost/',
      'http://10.1.2.3/',
    ]) {
      const res = await t.api.patch(`/api/webhooks/endpoints/${created.body.id}`, { url });
      expect([url, res.status, problemOf(res.body)]).toEqual([url, 400, notPublic]);
    }
    const unchanged = await t.api.get<{ url: string }>(`/api/webhooks/endpoints/${created.body.id}`);
    expect(unchanged.body.url).toBe('https://hooks.tenant.example/usher');
    const moved = await t.api.patch<{ url: string }>(`/api/webhooks/endpoints/${created.body.id}`, {
      url: 'https://8.8.8.8/usher',
      event_types: ['none.such'],
    });
    expect([moved.status, moved.body.url]).toEqual([200, 'https://8.8.8.8/usher']);
  });
});

describe('resolveDestination', () => {
  const resolvesTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const isPublic = (a: string) => !a.startsWith('10.') && !a.startsWith('127.');

  it('refuses a name when any one of its addresses is not public', async () => {
    await expect(resolveDestination('hooks.example.com', isPublic, resolvesTo('8.8.8.8', '10.0.0.1'))).rejects.toThrow(
      new DestinationRefused(
        'hooks.example.com resolves to 10.0.0.1, which is not a public address: webhooks are not sent to private, loopback or link-local networks',
      ),
    );
    await expect(resolveDestination('hooks.example.com', isPublic, resolvesTo('8.8.8.8'))).resolves.toEqual([
      { address: '8.8.8.8', family: 4 },
    ]);
  });

  it('judges localhost names as loopback without asking the resolver', async () => {
    await expect(resolveDestination('app.localhost', isPublic, resolvesTo('8.8.8.8'))).rejects.toThrow(
      DestinationRefused,
    );
  });
});

describe('webhook delivery', () => {
  it('connects to the address it checked, and sends nothing when the name resolves to a private one', async () => {
    const receiver = await startReceiver();
    try {
      const url = `http://receiver.invalid:${receiver.port}/hooks`;
      const onlyLoopbackOne = (a: string) => a === '127.0.0.1';
      // The system cannot resolve receiver.invalid: a 204 shows the socket used the checked answer.
      const sent = await postWebhook(
        url,
        '{}',
        {},
        {
          timeoutMs: 5_000,
          rule: onlyLoopbackOne,
          resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        },
      );
      expect(sent).toMatchObject({ status: 204 });
      const refused = await postWebhook(
        url,
        '{}',
        {},
        {
          timeoutMs: 5_000,
          rule: onlyLoopbackOne,
          resolve: async () => [
            { address: '127.0.0.1', family: 4 },
            { address: '10.0.0.1', family: 4 },
          ],
        },
      );
      expect(refused.refused).toMatch(/^receiver\.invalid resolves to 10\.0\.0\.1, which is not a public address/);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it('does not contact an endpoint stored while private URLs were allowed, and logs why it failed', async () => {
    const receiver = await startReceiver();
    try {
      const urls = [
        receiver.url,
        `http://localhost:${receiver.port}/hooks`,
        `http://${loopbackNameFromHosts()}:${receiver.port}/hooks`,
        `http://[::ffff:127.0.0.1]:${receiver.port}/hooks`,
      ];
      const endpointIds: number[] = [];
      for (const url of urls) {
        const [row] = await h
          .owner('webhook_endpoints')
          .insert({ tenant_id: t.tenantId, url, secret: 'whsec_test', event_types: ['event.created'] })
          .returning('id');
        endpointIds.push(Number(row.id));
      }
      await createOnSaleEvent(t);
      for (const [i, endpointId] of endpointIds.entries()) {
        const failed = await eventually(
          async () =>
            (
              await t.api.get<{ items: { id: number; status: string }[] }>(
                `/api/webhooks/deliveries?endpoint_id=${endpointId}&status=failed`,
              )
            ).body.items[0],
          { what: `the delivery to ${urls[i]} to fail` },
        );
        const detail = await t.api.get<{
          attempts: number;
          last_error: string;
          attempt_log: { status_code: number | null; error: string }[];
        }>(`/api/webhooks/deliveries/${failed.id}`);
        expect(detail.body.last_error).toMatch(/is not a public address: webhooks are not sent to private/);
        // Refused once, never retried.
        expect(detail.body.attempts).toBe(1);
        expect(detail.body.attempt_log).toEqual([
          expect.objectContaining({ status_code: null, error: detail.body.last_error }),
        ]);
      }
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.stop();
    }
  });

  it('does not follow a redirect, even to an address it would admit', async () => {
    const target = await startReceiver();
    const first = await startReceiver((res) => res.writeHead(302, { location: target.url }).end());
    try {
      // Locally nothing is public: let the first hop's address count as public for this run.
      const activities = createWebhookActivities({
        db: h.db,
        config: h.config,
        isPublicAddress: (a) => a === '127.0.0.1',
      });
      await createOnSaleEvent(t);
      const outbox = await h.owner('outbox').where({ tenant_id: t.tenantId }).first('id');
      const [endpoint] = await h
        .owner('webhook_endpoints')
        .insert({ tenant_id: t.tenantId, url: first.url, secret: 'whsec_test', event_types: ['none.such'] })
        .returning('id');
      const [delivery] = await h
        .owner('webhook_deliveries')
        .insert({
          tenant_id: t.tenantId,
          endpoint_id: endpoint.id,
          outbox_id: outbox.id,
          event_type: 'none.such',
          payload: '{}',
        })
        .returning('id');
      await expect(
        new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(activities.attemptDelivery, {
          tenantId: t.tenantId,
          deliveryId: Number(delivery.id),
        }),
      ).rejects.toThrow('Webhook endpoint answered 302');
      const attempt = await h.owner('webhook_attempts').where({ delivery_id: delivery.id }).first();
      expect([attempt.status_code, attempt.error]).toEqual([
        302,
        `Redirect to ${target.url} not followed: deliveries go to the endpoint's URL only`,
      ]);
      expect([first.received.length, target.received.length]).toEqual([1, 0]);
    } finally {
      await Promise.all([first.stop(), target.stop()]);
    }
  });
});
