import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';

/**
 * Every metric against values computed by hand on a small fixture: two customers, three paid orders
 * through the API (so the real triggers roll them up), and a handful of tracking events.
 *
 *   o1: c1, 2 tickets at 20.00, web, promo EARLY   c1 touched email (a1, as anonymous) then social
 *   o2: c2, 1 ticket, box office (no touches)      c2 lives in DE
 *   o3: c1, 1 ticket, web (returning)
 */

let h: Harness;
let t: TenantFixture;
let b: TenantFixture;
let f: EventFixture;
let c2: number;
const month = new Date().toISOString().slice(0, 7);

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function order(customerId: number, quantity: number, extra: Record<string, unknown>): Promise<number> {
  const res = await t.api.post<{ id: number }>('/api/orders', {
    event_id: f.eventId,
    customer_id: customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity }],
    ...extra,
  });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Metrics');
  b = await createTenantWithKey(h, 'Metrics other');
  f = await createOnSaleEvent(t, { inventory: 100, price: 2000 });
  const second = await t.api.post<{ id: number }>('/api/customers', {
    email: 'c2@metrics.example',
    name: 'C2',
    country: 'DE',
  });
  c2 = second.body.id;
  const track = await t.api.post<{ accepted: number }>('/api/analytics/track', {
    items: [
      {
        client_event_id: 't1',
        type: 'event_view',
        anonymous_id: 'a1',
        event_id: f.eventId,
        channel: 'email',
        price_minor: 2000,
        occurred_at: ago(2 * 3_600_000),
      },
      {
        client_event_id: 't2',
        type: 'add_to_cart',
        anonymous_id: 'a1',
        customer_id: f.customerId,
        event_id: f.eventId,
        channel: 'social',
        price_minor: 2000,
        occurred_at: ago(3_600_000),
      },
      {
        client_event_id: 't3',
        type: 'checkout_started',
        customer_id: f.customerId,
        event_id: f.eventId,
        channel: 'social',
        occurred_at: ago(3_500_000),
      },
      {
        client_event_id: 't4',
        type: 'event_view',
        anonymous_id: 'a2',
        event_id: f.eventId,
        channel: 'social',
        occurred_at: ago(3_000_000),
      },
    ],
  });
  expect(track.body.accepted).toBe(4);
  // In turn, so that o3 is surely c1's second purchase.
  const o1 = await order(f.customerId, 2, { channel: 'web', promo_code: 'EARLY' });
  await eventually(async () => (await t.api.get<{ status: string }>(`/api/orders/${o1}`)).body.status === 'paid', {
    what: 'o1 paid',
  });
  await order(c2, 1, { channel: 'box_office' });
  await order(f.customerId, 1, { channel: 'web' });
  await eventually(
    async () =>
      (await t.api.get<{ customers: { new: number; returning: number } }>('/api/analytics/overview')).body.customers
        ?.returning === 1 &&
      (await t.api.get<{ items: unknown[] }>('/api/analytics/attribution')).body.items.length === 2,
    { what: 'the three orders in the rollups', timeoutMs: 30_000 },
  );
  await t.api.put('/api/analytics/marketing-spend', {
    items: [{ channel: 'social', month, amount_minor: 3000, currency: 'EUR' }],
  });
}, 90_000);
afterAll(() => h.stop());

describe('analytics metrics', () => {
  it('overview: revenue, AOV, tickets and customers', async () => {
    const res = await t.api.get<Record<string, unknown>>(`/api/analytics/overview?event_id=${f.eventId}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      revenue: [
        {
          currency: 'EUR',
          orders: 3,
          tickets: 4,
          revenue_minor: 8000,
          refunds_minor: 0,
          net_revenue_minor: 8000,
          refunded_tickets: 0,
          cancelled_tickets: 0,
          new_customers: 2,
          returning_customers: 1,
          promo_orders: 1,
          average_order_value_minor: 2667,
        },
      ],
      tickets: { sold: 4, cancelled: 0, refunded: 0, available: 96, held: 0 },
      customers: { new: 2, returning: 1 },
    });
  });

  it('sales: series and booking curve add up; by channel and by event', async () => {
    const sales = await t.api.get<{
      series: { orders: number; revenue_minor: number }[];
      booking_curve: { cumulative_tickets: number }[];
    }>(`/api/analytics/sales?interval=hour&event_id=${f.eventId}`);
    expect(sales.body.series.reduce((a, s) => a + s.orders, 0)).toBe(3);
    expect(sales.body.series.reduce((a, s) => a + s.revenue_minor, 0)).toBe(8000);
    expect(sales.body.booking_curve.at(-1)?.cumulative_tickets).toBe(4);

    const channels = await t.api.get<{
      items: { channel: string; orders: number; revenue_minor: number; tickets: number }[];
    }>('/api/analytics/revenue/by-channel');
    expect(channels.body.items.map((i) => [i.channel, i.orders, i.tickets, i.revenue_minor])).toEqual([
      ['web', 2, 3, 6000],
      ['box_office', 1, 1, 2000],
    ]);
    const web = await t.api.get<{ items: { channel: string }[] }>('/api/analytics/revenue/by-channel?channel=web');
    expect(web.body.items.map((i) => i.channel)).toEqual(['web']);

    const events = await t.api.get<{ items: { event_id: number; revenue_minor: number }[] }>(
      '/api/analytics/revenue/by-event',
    );
    expect(events.body.items).toEqual([
      expect.objectContaining({ event_id: f.eventId, revenue_minor: 8000, orders: 3 }),
    ]);

    // A range that ends before today holds nothing.
    const past = await t.api.get<{ revenue: unknown[] }>('/api/analytics/overview?from=2020-01-01&to=2020-12-31');
    expect(past.body.revenue).toEqual([]);
  });

  it('funnel per marketing channel, purchases under the last touch', async () => {
    const res = await t.api.get<{ totals: Record<string, number>; items: Record<string, unknown>[] }>(
      `/api/analytics/funnel?event_id=${f.eventId}`,
    );
    expect(res.body.items.map((i) => [i.channel, i.views, i.carts, i.checkouts, i.purchases])).toEqual([
      ['direct', 0, 0, 0, 1],
      ['email', 1, 0, 0, 0],
      ['social', 1, 1, 1, 2],
    ]);
    expect(res.body.totals).toMatchObject({ views: 2, carts: 1, checkouts: 1, purchases: 3, view_to_cart: 0.5 });
  });

  it('attribution under each model', async () => {
    const get = async (model: string) =>
      (
        await t.api.get<{ items: { channel: string; orders: number; revenue_minor: number }[] }>(
          `/api/analytics/attribution?model=${model}`,
        )
      ).body.items
        .map((i) => [i.channel, i.orders, i.revenue_minor])
        .sort();
    expect(await get('last_touch')).toEqual([
      ['direct', 1, 2000],
      ['social', 2, 6000],
    ]);
    expect(await get('first_touch')).toEqual([
      ['direct', 1, 2000],
      ['email', 2, 6000],
    ]);
    expect(await get('linear')).toEqual([
      ['direct', 1, 2000],
      ['email', 1, 3000],
      ['social', 1, 3000],
    ]);
  });

  it('promo codes, marketing ROI and CAC', async () => {
    const promo = await t.api.get<{ items: unknown[] }>('/api/analytics/promo-codes');
    expect(promo.body.items).toEqual([
      { promo_code: 'EARLY', currency: 'EUR', orders: 1, tickets: 2, revenue_minor: 4000 },
    ]);
    const roi = await t.api.get<{ items: Record<string, unknown>[] }>('/api/analytics/marketing-roi');
    expect(roi.body.items.find((i) => i.channel === 'social')).toEqual({
      channel: 'social',
      currency: 'EUR',
      spend_minor: 3000,
      revenue_minor: 6000,
      orders: 2,
      new_customers: 1,
      cac_minor: 3000,
      roi: 1,
    });
    const spend = await t.api.get<{ items: unknown[] }>('/api/analytics/marketing-spend');
    expect(spend.body.items).toEqual([{ channel: 'social', month, amount_minor: 3000, currency: 'EUR' }]);
  });

  it('customers: cohorts, geography and lifetime value', async () => {
    const cohorts = await t.api.get<{ items: unknown[] }>('/api/analytics/customers/cohorts');
    expect(cohorts.body.items).toEqual([{ cohort: month, month_offset: 0, customers: 2, retention: 1 }]);
    const geo = await t.api.get<{ items: unknown[] }>('/api/analytics/customers/geography');
    expect(geo.body.items).toEqual([
      { country: 'DE', currency: 'EUR', customers: 1, orders: 1, tickets: 1, revenue_minor: 2000 },
      expect.objectContaining({ customers: 1, orders: 2, tickets: 3, revenue_minor: 6000 }),
    ]);
    const ltv = await t.api.get<{ source: string }>('/api/analytics/customers/ltv');
    expect(ltv.status).toBe(200);
    expect(ltv.body.source).toBe('crm');
    void c2;
  });

  it('event performance, heat map, price sensitivity and comparison', async () => {
    const perf = await t.api.get(`/api/analytics/events/${f.eventId}/performance`);
    expect(perf.body).toMatchObject({
      capacity: 100,
      tickets_sold: 4,
      capacity_utilisation: 0.04,
      checked_in: 0,
      check_in_rate: 0,
      no_shows: null,
      revenue_minor: 8000,
    });
    const heat = await t.api.get<{ items: { weekday: number; hour: number; orders: number }[] }>(
      '/api/analytics/heatmap?tz=Europe/Berlin',
    );
    expect(heat.body.items.reduce((a, i) => a + i.orders, 0)).toBe(3);
    for (const cell of heat.body.items) {
      expect(cell.weekday).toBeGreaterThanOrEqual(1);
      expect(cell.weekday).toBeLessThanOrEqual(7);
    }
    const price = await t.api.get<{ items: unknown[] }>(`/api/analytics/price-sensitivity?event_id=${f.eventId}`);
    expect(price.body.items).toEqual([
      {
        event_id: f.eventId,
        price_minor: 2000,
        views: 1,
        carts: 1,
        tickets_sold: 4,
        view_to_cart: 1,
        view_to_purchase: 4,
      },
    ]);
    const cmp = await t.api.get<{ event: { tickets_sold: number }; peers: unknown[] }>(
      `/api/analytics/events/${f.eventId}/comparison`,
    );
    expect(cmp.status).toBe(200);
    expect(cmp.body.event.tickets_sold).toBe(4);
  });

  it('answers CSV for every table', async () => {
    const csv = await t.api.get<string>('/api/analytics/revenue/by-channel?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, first] = csv.body.split('\r\n');
    expect(header.split(',').slice(0, 3)).toEqual(['channel', 'currency', 'orders']);
    expect(first.startsWith('web,EUR,2,3,6000,')).toBe(true);
    for (const path of [
      'overview',
      'sales',
      'funnel',
      'attribution',
      'promo-codes',
      'marketing-roi',
      'customers/cohorts',
      'heatmap',
    ]) {
      const res = await t.api.get<string>(`/api/analytics/${path}?format=csv`);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 200, 'text/csv; charset=utf-8']);
    }
  });

  it('documents JSON and CSV for every metric route in /openapi.json, tagged analytics', async () => {
    type Op = {
      operationId?: string;
      tags?: string[];
      responses: Record<string, { content?: Record<string, unknown> }>;
    };
    const doc = (await t.api.get<{ paths: Record<string, Record<string, Op>> }>('/openapi.json')).body;
    const routes = Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/analytics/'));
    let csv = 0;
    for (const [path, ops] of routes)
      for (const [method, op] of Object.entries(ops)) {
        expect([path, op.tags]).toEqual([path, ['analytics']]);
        expect(op.operationId).toBeTruthy();
        const media = Object.keys(op.responses['200']?.content ?? op.responses['201']?.content ?? {});
        if (method === 'get' && !path.includes('site-tokens') && !path.includes('forecast')) {
          expect([path, media]).toEqual([path, ['application/json', 'text/csv']]);
          csv++;
        }
      }
    expect(csv).toBeGreaterThanOrEqual(16);
    expect(doc.paths['/a/p.gif']?.get?.responses['200'].content).toHaveProperty(['image/gif']);
  });

  it('refuses bad filters and ranges with 400', async () => {
    const cases: [string, string][] = [
      ['/api/analytics/overview?from=2026-13-01', 'validation_failed'],
      ['/api/analytics/overview?from=2026-02-30', 'validation_failed'],
      ['/api/analytics/overview?from=2026-05-01&to=2026-04-01', 'invalid_range'],
      ['/api/analytics/overview?from=2000-01-01&to=2026-01-01', 'range_too_long'],
      ['/api/analytics/overview?event_id=abc', 'validation_failed'],
      ['/api/analytics/overview?channel=Not%20A%20Channel', 'validation_failed'],
      ['/api/analytics/overview?evnt_id=1', 'validation_failed'],
      ['/api/analytics/overview?format=xml', 'validation_failed'],
      ['/api/analytics/sales?interval=week', 'validation_failed'],
      ['/api/analytics/attribution?model=u_shaped', 'validation_failed'],
      ['/api/analytics/heatmap?tz=Mars/Phobos', 'validation_failed'],
      ['/api/analytics/customers/cohorts?event_id=1', 'validation_failed'],
    ];
    for (const [path, code] of cases) {
      const res = await t.api.get<{ code: string }>(path);
      expect([path, res.status, res.body.code]).toEqual([path, 400, code]);
    }
  });

  it("never shows another tenant's figures, in JSON or CSV", async () => {
    const overview = await b.api.get<{ revenue: unknown[]; customers: { new: number } }>('/api/analytics/overview');
    expect(overview.body.revenue).toEqual([]);
    expect(overview.body.customers.new).toBe(0);
    expect((await b.api.get(`/api/analytics/overview?event_id=${f.eventId}`)).status).toBe(404);
    expect((await b.api.get(`/api/analytics/events/${f.eventId}/performance`)).status).toBe(404);
    for (const path of [
      'revenue/by-event',
      'revenue/by-channel',
      'funnel',
      'attribution',
      'promo-codes',
      'customers/geography',
    ]) {
      const csv = await b.api.get<string>(`/api/analytics/${path}?format=csv`);
      expect(csv.body.trim().split('\r\n').length).toBe(1);
      const json = await b.api.get<{ items: unknown[] }>(`/api/analytics/${path}`);
      expect([path, json.body.items]).toEqual([path, []]);
    }
  });
});

describe('raw tracking upkeep', () => {
  it("deletes a tenant's raw rows past its retention, keeps the rest, and continues as new", async () => {
    const { analyticsMaintenanceWorkflowId, analyticsMaintenanceWorkflowType } =
      await import('../../workflows/analytics/maintenance-contract');
    expect((await b.api.put('/api/modules/analytics', { settings: { raw_retention_days: 30 } })).status).toBe(200);
    const old = new Date(Date.now() - 60 * 86_400_000).toISOString();
    await h.owner.raw('select analytics_ensure_partitions(?::timestamptz, ?::timestamptz)', [old, old]);
    const fb = await createOnSaleEvent(b);
    const track = await b.api.post<{ accepted: number }>('/api/analytics/track', {
      items: [
        { client_event_id: 'old', type: 'page_view', anonymous_id: 'z', event_id: fb.eventId, occurred_at: old },
        {
          client_event_id: 'new',
          type: 'page_view',
          anonymous_id: 'z',
          event_id: fb.eventId,
          occurred_at: ago(60_000),
        },
      ],
    });
    expect(track.body.accepted).toBe(2);
    // Its first event started the tenant's upkeep with a day between rounds; run a quick one instead.
    const id = analyticsMaintenanceWorkflowId(b.tenantId);
    await eventually(
      async () =>
        (await h.temporal.workflow
          .getHandle(id)
          .describe()
          .catch(() => undefined)) !== undefined,
      {
        what: 'the upkeep workflow',
      },
    );
    await h.temporal.workflow.getHandle(id).terminate('replaced by a quick one');
    const handle = await h.temporal.workflow.start(analyticsMaintenanceWorkflowType.name, {
      taskQueue: h.config.TEMPORAL_TASK_QUEUE,
      workflowId: id,
      args: [{ tenantId: b.tenantId, intervalMs: 100, monthsAhead: 2, roundsPerRun: 1 }],
    });
    const firstRun = handle.firstExecutionRunId;
    await eventually(async () => (await h.temporal.workflow.getHandle(id).describe()).runId !== firstRun, {
      what: 'continue-as-new',
    });
    const left = await h.owner('analytics_tracking_events').where({ tenant_id: b.tenantId }).pluck('client_event_id');
    expect(left).toEqual(['new']);
    // Another tenant's rows are untouched by b's retention.
    expect(Number((await h.owner('analytics_tracking_events').where({ tenant_id: t.tenantId }).count())[0].count)).toBe(
      4,
    );
    if (process.env.RECORD_HISTORIES) {
      const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
      const { HISTORY_DIR } = await import('../helpers/histories');
      const fs = await import('node:fs');
      const history = await h.temporal.workflow.getHandle(id, firstRun).fetchHistory();
      fs.writeFileSync(`${HISTORY_DIR}/analytics-maintenance-round.json`, historyToJSON(history));
    }
    await h.temporal.workflow.getHandle(id).terminate('test done');
  });
});
