import { withTenant } from '../../db/connection';
import { pastEventSales } from '../../db/analytics/forecast';
import { backtest } from '../../domain/analytics/backtest';
import { cumulativeCurve } from '../../domain/analytics/forecast';
import { seedDemoHistory } from '../../scripts/demo-history';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { recordHistory } from '../helpers/histories';
import { analyticsForecastWorkflowId, type AnalyticsForecastState } from '../../workflows/analytics/forecast-contract';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

interface ForecastBody {
  event_id: number;
  method: 'pickup' | 'prior';
  inputs: { days_before: number; sold: number; capacity: number; past_events_used: number; similar_by: string };
  predicted_final_sales: number;
  interval: { level: number; lower: number; upper: number };
  sellout_probability: number;
  demand: { sold_last_7d: number | null; waitlist_size: number | null; page_views_7d: number | null };
  pricing_suggestion: { action: string; reason: string };
  path: { days_before: number; expected: number }[];
  snapshots: unknown[];
}

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let seeded: Awaited<ReturnType<typeof seedDemoHistory>>;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Forecasts');
  other = await createTenantWithKey(h, 'Other forecasts');
  const started = Date.now();
  seeded = await seedDemoHistory(h.db, t.tenantId, { pastEvents: 12, upcomingEvents: 2, customers: 800 });
  // The demo seed's default size must stay quick; this smaller one far more so.
  expect(Date.now() - started).toBeLessThan(20_000);
});
afterAll(() => h.stop());

describe('demo history', () => {
  it('writes past events with orders, tickets, tracking and check-ins, once', async () => {
    expect(seeded).toMatchObject({ created: true, events: 14 });
    expect(seeded.orders).toBeGreaterThan(1000);
    expect(seeded.tickets).toBeGreaterThan(seeded.orders);
    expect(seeded.trackingEvents).toBeGreaterThan(seeded.orders * 5);
    expect(seeded.checkins).toBeGreaterThan(0);
    const again = await seedDemoHistory(h.db, t.tenantId, { pastEvents: 12, upcomingEvents: 2, customers: 800 });
    expect(again.created).toBe(false);
    const history = await withTenant(h.db, t.tenantId, (tx) => pastEventSales(tx, new Date()));
    expect(history).toHaveLength(12);
    // Sales are read back as they were planned: per-day tickets summing to what was sold.
    const sold = history.reduce((a, e) => a + cumulativeCurve(e.daily)[0], 0);
    expect(sold).toBeGreaterThan(0);
    const report = backtest(history);
    expect(report.horizons).toHaveLength(5);
    expect(report.mape_30d).not.toBeNull();
  });
});

describe('GET /api/analytics/events/{id}/forecast', () => {
  it("answers the method, inputs, interval and indicators from the tenant's past events", async () => {
    const list = await t.api.get<{ items: ForecastBody[] }>('/api/analytics/forecasts');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(2);
    const upcoming = list.body.items[0];
    const res = await t.api.get<ForecastBody>(`/api/analytics/events/${upcoming.event_id}/forecast`);
    expect(res.status).toBe(200);
    const f = res.body;
    expect(f.method).toBe('pickup');
    expect(f.inputs.past_events_used).toBeGreaterThanOrEqual(5);
    expect(f.inputs.capacity).toBeGreaterThan(0);
    expect(f.inputs.sold).toBeGreaterThan(0);
    expect(f.interval.level).toBe(0.8);
    expect(f.interval.lower).toBeLessThanOrEqual(f.predicted_final_sales);
    expect(f.predicted_final_sales).toBeLessThanOrEqual(f.interval.upper);
    expect(f.predicted_final_sales).toBeGreaterThanOrEqual(f.inputs.sold);
    expect(f.sellout_probability).toBeGreaterThanOrEqual(0);
    expect(f.sellout_probability).toBeLessThanOrEqual(1);
    expect(f.demand.sold_last_7d).not.toBeNull();
    expect(f.demand.waitlist_size).toBe(0);
    expect(f.demand.page_views_7d).not.toBeNull();
    expect(f.pricing_suggestion.reason.length).toBeGreaterThan(10);
    expect(f.path.at(-1)).toMatchObject({ days_before: 0, expected: f.predicted_final_sales });
    expect(f.snapshots).toEqual([]);
  });

  it('falls back to the prior for a tenant without history, and hides other tenants', async () => {
    const fresh = await createOnSaleEvent(other, { capacity: 200, inventory: 200 });
    const res = await other.api.get<ForecastBody>(`/api/analytics/events/${fresh.eventId}/forecast`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: 'prior', inputs: { past_events_used: 0, sold: 0, similar_by: 'none' } });
    expect((await t.api.get(`/api/analytics/events/${fresh.eventId}/forecast`)).status).toBe(404);
    const otherList = await other.api.get<{ items: ForecastBody[] }>('/api/analytics/forecasts');
    expect(otherList.body.items.map((i) => i.event_id)).toEqual([fresh.eventId]);
  });

  it('exports CSV and pages with a cursor', async () => {
    const csv = await t.api.get<string>('/api/analytics/forecasts?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^event_id,name,starts_at,method/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const first = await t.api.get<{ items: ForecastBody[]; next_cursor: number | null }>(
      '/api/analytics/forecasts?limit=1',
    );
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next_cursor).toBe(first.body.items[0].event_id);
    const second = await t.api.get<{ items: ForecastBody[] }>(
      `/api/analytics/forecasts?limit=1&after=${first.body.next_cursor}`,
    );
    expect(second.body.items[0].event_id).toBeGreaterThan(first.body.items[0].event_id);
  });

  it('answers 400 for bad input and 403 without the module', async () => {
    expect((await t.api.get('/api/analytics/forecasts?format=xml')).status).toBe(400);
    expect((await t.api.get('/api/analytics/events/abc/forecast')).status).toBe(400);
    const without = await createTenantWithKey(h, 'No analytics', ['admin'], ['checkin']);
    expect((await without.api.get('/api/analytics/forecasts')).status).toBe(403);
  });
});

describe('forecast refresh workflow', () => {
  it('starts on event.created, records a snapshot per round and ends when the event starts', async () => {
    const startsAt = new Date(Date.now() + 4000);
    const created = await t.api.post<{ id: number }>('/api/events', {
      name: 'Soon',
      venue: { name: 'Hall', address: '1 Main St' },
      timezone: 'Europe/Berlin',
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 3_600_000).toISOString(),
      capacity: 100,
      status: 'on_sale',
    });
    expect(created.status).toBe(201);
    const workflowId = analyticsForecastWorkflowId(t.tenantId, created.body.id);
    const handle = h.temporal.workflow.getHandle(workflowId);
    await eventually(
      async () => {
        try {
          return !!(await handle.describe());
        } catch {
          return false;
        }
      },
      { what: 'the forecast workflow to start' },
    );
    const result = (await handle.result()) as AnalyticsForecastState;
    expect(result).toMatchObject({ status: 'done' });
    expect(result.refreshes).toBeGreaterThanOrEqual(2);
    expect(result.lastSnapshotId).not.toBeNull();
    const rows = await h.owner('analytics_event_forecasts').where({ event_id: created.body.id });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]).toMatchObject({ tenant_id: t.tenantId, method: 'pickup' });
    const f = await t.api.get<ForecastBody>(`/api/analytics/events/${created.body.id}/forecast`);
    expect(f.body.snapshots.length).toBe(rows.length);
    await recordHistory(h.temporal, workflowId, 'analytics-forecast-done');
  });

  it("starts for the tenant's upcoming events when the module is switched on", async () => {
    const later = await createTenantWithKey(h, 'Analytics later', ['admin'], ['checkin']);
    const upcoming = await createOnSaleEvent(later);
    const handle = h.temporal.workflow.getHandle(analyticsForecastWorkflowId(later.tenantId, upcoming.eventId));
    const running = async () => {
      try {
        return (await handle.describe()).status.name === 'RUNNING';
      } catch {
        return false;
      }
    };
    // Created while the module was off: nothing forecasts it yet.
    await eventually(
      async () =>
        !(await h.owner('outbox').where({ tenant_id: later.tenantId }).whereNull('dispatched_at').first('id')),
      { what: 'the outbox to drain' },
    );
    expect(await running()).toBe(false);

    const enabled = await later.api.put('/api/modules/analytics', { enabled: true });
    expect(enabled.status).toBe(200);
    await eventually(running, { what: 'the forecast workflow of the existing event to start' });
    // Enabling again announces nothing new.
    await later.api.put('/api/modules/analytics', { enabled: true });
    expect(await h.owner('outbox').where({ tenant_id: later.tenantId, type: 'module.enabled' })).toHaveLength(1);
    await handle.terminate('test done');
  });
});
