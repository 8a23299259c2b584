import { client, createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { withTenant } from '../../db/connection';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Tracker');
  other = await createTenantWithKey(h, 'Other tracker');
});
afterAll(() => h.stop());

interface TrackAnswer {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: { index: number; status: string; errors?: { path: string; code: string }[] }[];
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

describe('POST /api/analytics/track', () => {
  it('keeps good items, answers each bad one, and treats a repeat as a duplicate', async () => {
    const f = await createOnSaleEvent(t);
    const items = [
      {
        client_event_id: 'v-1',
        type: 'event_view',
        anonymous_id: 'anon-1',
        event_id: f.eventId,
        occurred_at: at(5),
        utm_medium: 'email',
        price_minor: 4500,
      },
      {
        client_event_id: 'v-2',
        type: 'event_view',
        anonymous_id: 'anon-2',
        event_id: f.eventId,
        occurred_at: at(5),
        channel: 'social',
      },
      { client_event_id: 'bad-type', type: 'purchase', anonymous_id: 'anon-3', occurred_at: at(5) },
      { client_event_id: 'no-visitor', type: 'page_view', occurred_at: at(5) },
      {
        client_event_id: 'future',
        type: 'page_view',
        anonymous_id: 'anon-3',
        occurred_at: new Date(Date.now() + 86_400_000).toISOString(),
      },
      {
        client_event_id: 'c-1',
        type: 'add_to_cart',
        anonymous_id: 'anon-1',
        event_id: f.eventId,
        occurred_at: at(4),
        utm_medium: 'email',
        price_minor: 4500,
      },
      // The same view again in one batch: counted once.
      {
        client_event_id: 'v-1',
        type: 'event_view',
        anonymous_id: 'anon-1',
        event_id: f.eventId,
        occurred_at: at(5),
        utm_medium: 'email',
      },
      {
        client_event_id: 'v-3',
        type: 'event_view',
        anonymous_id: 'anon-1',
        event_id: f.eventId,
        occurred_at: at(3),
        utm_medium: 'email',
      },
    ];
    const first = await t.api.post<TrackAnswer>('/api/analytics/track', { items });
    expect(first.status).toBe(200);
    expect(first.body.results.map((r) => r.status)).toEqual([
      'accepted',
      'accepted',
      'rejected',
      'rejected',
      'rejected',
      'accepted',
      'duplicate',
      'accepted',
    ]);
    expect(first.body.results[2].errors?.[0].path).toBe('items.2.type');
    expect(first.body.results[3].errors?.[0].path).toBe('items.3.anonymous_id');
    expect(first.body.results[4].errors?.[0].code).toBe('out_of_range');
    expect(first.body).toMatchObject({ accepted: 4, duplicates: 1, rejected: 3 });

    const again = await t.api.post<TrackAnswer>('/api/analytics/track', { items: items.slice(0, 2) });
    expect(again.body.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);

    const raw = await h
      .owner('analytics_tracking_events')
      .where({ tenant_id: t.tenantId })
      .count<{ count: string }[]>();
    expect(Number(raw[0].count)).toBe(4);

    // Distinct visitors: anon-1 viewed twice (v-1, v-3) on one day, counted once.
    const funnel = await t.api.get<{
      totals: { views: number; carts: number };
      items: { channel: string; views: number }[];
    }>(`/api/analytics/funnel?event_id=${f.eventId}`);
    expect(funnel.status).toBe(200);
    expect(funnel.body.totals).toMatchObject({ views: 2, carts: 1 });
    expect(funnel.body.items.map((i) => [i.channel, i.views])).toEqual([
      ['email', 1],
      ['social', 1],
    ]);

    const prices = await t.api.get<{ items: { price_minor: number; views: number; carts: number }[] }>(
      `/api/analytics/price-sensitivity?event_id=${f.eventId}`,
    );
    expect(prices.body.items).toEqual([
      expect.objectContaining({ price_minor: 4500, views: 1, carts: 1, view_to_cart: 1 }),
    ]);
  });

  it('refuses a bad envelope with 400 and more than 1,000 items', async () => {
    expect((await t.api.post('/api/analytics/track', { items: [] })).status).toBe(400);
    expect((await t.api.post('/api/analytics/track', { items: 'x' })).status).toBe(400);
    const many = Array.from({ length: 1001 }, (_, i) => ({
      client_event_id: `m-${i}`,
      type: 'page_view',
      anonymous_id: 'a',
      occurred_at: at(1),
    }));
    expect((await t.api.post('/api/analytics/track', { items: many })).status).toBe(400);
    const full = await t.api.post<TrackAnswer>('/api/analytics/track', { items: many.slice(0, 1000) });
    expect(full.status).toBe(200);
    expect(full.body.accepted).toBe(1000);
  });

  it("keeps tenants apart: another tenant's tracking never shows", async () => {
    const f = await createOnSaleEvent(other);
    await other.api.post('/api/analytics/track', {
      items: [
        { client_event_id: 'o-1', type: 'event_view', anonymous_id: 'x', event_id: f.eventId, occurred_at: at(1) },
      ],
    });
    const mine = await t.api.get<{ totals: { views: number } }>(`/api/analytics/funnel?event_id=${f.eventId}`);
    expect(mine.status).toBe(404);
    const csv = await t.api.get<string>('/api/analytics/funnel?format=csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.body).not.toContain(String(f.eventId) + ',');
    const seen = await withTenant(h.db, t.tenantId, (tx) =>
      tx('analytics_funnel_daily').where({ event_id: f.eventId }),
    );
    expect(seen).toEqual([]);
  });

  it('records the pixel with a site token, and refuses forged or revoked tokens', async () => {
    const made = await t.api.post<{ id: number; token: string }>('/api/analytics/site-tokens', { name: 'Shop' });
    expect(made.status).toBe(201);
    const anon = client(h.baseUrl);
    const f = await createOnSaleEvent(t);
    const ok = await fetch(
      `${h.baseUrl}/a/p.gif?k=${made.body.token}&t=event_view&a=pix-1&e=${f.eventId}&ch=display&id=p-1`,
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/gif');
    await fetch(`${h.baseUrl}/a/p.gif?k=${made.body.token}&t=event_view&a=pix-1&e=${f.eventId}&ch=display&id=p-1`);
    const funnel = await t.api.get<{ totals: { views: number } }>(`/api/analytics/funnel?event_id=${f.eventId}`);
    expect(funnel.body.totals.views).toBe(1);

    expect((await anon.get(`/a/p.gif?k=${made.body.token}x&t=page_view&a=pix-1`)).status).toBe(401);
    expect((await anon.get(`/a/p.gif?k=${made.body.token}&t=nope&a=pix-1`)).status).toBe(400);
    // A site token is not an API key.
    expect((await client(h.baseUrl, made.body.token).get('/api/analytics/overview')).status).toBe(401);
    expect((await t.api.delete(`/api/analytics/site-tokens/${made.body.id}`)).status).toBe(200);
    expect((await anon.get(`/a/p.gif?k=${made.body.token}&t=page_view&a=pix-1`)).status).toBe(401);
  });
});
