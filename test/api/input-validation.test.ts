import { createHarness, client, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { EVENT_TYPES } from '../../domain/catalogue';

interface Operation {
  security?: unknown[];
  requestBody?: unknown;
  parameters?: { in: string; name: string }[];
}
type Doc = { paths: Record<string, Record<string, Operation>> };

let h: Harness;
let t: TenantFixture;
let doc: Doc;
let ids: Record<string, number>;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
  const f = await createOnSaleEvent(t);
  const order = await t.api.post<{ id: number; tickets: { id: number }[] }>('/api/orders', {
    event_id: f.eventId,
    customer_id: f.customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
  });
  ids = {
    event: f.eventId,
    customer: f.customerId,
    order: order.body.id,
    ticket: order.body.tickets[0].id,
    ticketType: f.ticketTypeId,
  };
  doc = (await client(h.baseUrl).get<Doc>('/openapi.json')).body;
});
afterAll(() => h.stop());

function concrete(path: string): string {
  return path.replace(/\{\w+\}/g, () =>
    String(
      path.startsWith('/api/events/')
        ? ids.event
        : path.startsWith('/api/customers/')
          ? ids.customer
          : path.startsWith('/api/orders/')
            ? ids.order
            : path.startsWith('/api/tickets/') || path.startsWith('/api/wallet/ticket/')
              ? ids.ticket
              : path.startsWith('/api/ticket-types/')
                ? ids.ticketType
                : 1,
    ),
  );
}

const HOSTILE_BODIES: [string, unknown][] = [
  ['malformed JSON', '{"name": '],
  ['an array', [1, 2, 3]],
  ['a bare string', '"hello"'],
  ['null', 'null'],
  [
    'wrong types everywhere',
    {
      name: 42,
      email: [],
      event_id: 'seven',
      items: 'many',
      capacity: '1e9',
      starts_at: 12,
      scopes: 'admin',
      price_minor: -1,
      quantity: 1.5,
      status: 'nope',
    },
  ],
  ['a huge string', { name: 'x'.repeat(200_000), email: `${'y'.repeat(100_000)}@example.com` }],
  ['unknown fields only', { definitely_not_a_field: true, __proto__: { polluted: 1 } }],
  ['deep nesting', JSON.parse('['.repeat(500) + ']'.repeat(500))],
];

describe('hostile input never causes a 500 or a write', () => {
  it('answers every route with a 4xx problem for malformed bodies, wrong types, huge strings and unknown fields', async () => {
    const failures: string[] = [];
    let checked = 0;
    const before = await h.owner('orders').count<{ count: string }[]>({ count: '*' });
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.requestBody || !['post', 'put', 'patch'].includes(method)) continue;
        for (const [label, body] of HOSTILE_BODIES) {
          const res = await t.api.request(
            method.toUpperCase(),
            concrete(path),
            typeof body === 'string' ? body : JSON.stringify(body),
            { 'content-type': 'application/json' },
          );
          checked++;
          const ok =
            res.status >= 400 && res.status < 500 && typeof (res.body as { code?: unknown })?.code === 'string';
          if (!ok)
            failures.push(
              `${method.toUpperCase()} ${path} with ${label}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(50);
    expect(await h.owner('orders').count<{ count: string }[]>({ count: '*' })).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects bad query strings and path parameters with 400', async () => {
    const failures: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      const op = ops.get;
      if (!op?.security?.length) continue;
      const bad = path.includes('{') ? path.replace(/\{\w+\}/g, '-1') : `${path}?limit=abc&after=-5`;
      const res = await t.api.get(bad);
      if (!path.includes('{') && !op.parameters?.some((p) => p.name === 'limit')) continue;
      if (res.status !== 400) failures.push(`GET ${bad}: ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers a body over 1 MB with 413 and a wrong content type with 415', async () => {
    const big = await t.api.request('POST', '/api/customers', JSON.stringify({ name: 'x'.repeat(1_100_000) }), {
      'content-type': 'application/json',
    });
    expect([big.status, (big.body as { code: string }).code]).toEqual([413, 'payload_too_large']);
    const form = await t.api.request('POST', '/api/customers', 'email=a@b.c&name=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect((form.body as { code: string }).code).toBe('unsupported_media_type');
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await t.api.get('/api/nowhere');
    expect([res.status, res.body.code]).toEqual([404, 'route_not_found']);
  });
});

describe('OpenAPI document', () => {
  it('describes every route the API serves', async () => {
    const served = h.api.router.stack.flatMap((layer) =>
      layer.methods
        .filter((m) => m !== 'HEAD')
        .map((m) => `${m.toLowerCase()} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('is OpenAPI 3.1 with a human-readable page at /docs', async () => {
    expect((doc as unknown as { openapi: string }).openapi).toBe('3.1.0');
    const page = await client(h.baseUrl).get('/docs');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(String(page.body)).toContain('/api/orders');
    // The webhook reference comes from the event catalogue: every type is listed.
    for (const type of EVENT_TYPES) expect(String(page.body)).toContain(`<code>${type}</code>`);
  });
});

describe('health', () => {
  it('reports liveness, readiness of Postgres and Temporal, and Prometheus metrics', async () => {
    const anon = client(h.baseUrl);
    expect((await anon.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await anon.get('/readyz')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
    const metrics = await anon.get('/metrics');
    expect(String(metrics.body)).toContain('usher_http_request_duration_seconds');
  });
});
