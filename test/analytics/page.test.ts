import fs from 'node:fs';
import path from 'node:path';
import { type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { seedDemoHistory } from '../../scripts/demo-history';
import { client, createHarness, type Harness } from '../helpers/harness';
import { signDashboardToken } from '../../lib/dashboard-token';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

/** Where CI keeps what a run leaves behind (gitignored locally). */
const ARTIFACTS = process.env.CI_LOG_DIR ?? path.join(__dirname, '..', '..', '.test-artifacts');

let h: Harness;
let t: TenantFixture;
let browser: BrowserContext;

interface PageState {
  ready: boolean;
  loads: number;
  errors: string[];
  charts: Record<string, { data: (number | null)[][] }>;
  data: {
    overview: { revenue: { orders: number; net_revenue_minor: number }[]; tickets: { sold: number } };
    funnel: { totals: { views: number; carts: number; checkouts: number; purchases: number } };
    heatCells: [number, number][];
    forecast: { event_id: number };
  };
  lastCsv?: { status: number; type: string; text: string };
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { usherAnalytics: PageState }).usherAnalytics);

beforeAll(async () => {
  browser = await launchChromium('analytics page', { viewport: { width: 1400, height: 1800 } });
  h = await createHarness();
  t = await createTenantWithKey(h, 'Analytics page');
  await seedDemoHistory(h.db, t.tenantId, { pastEvents: 8, upcomingEvents: 2, customers: 500 });
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

it('draws every chart from a seeded tenant, follows the filters and exports CSV', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Opened as an organiser's system would hand it out: with a short-lived dashboard token.
  const minted = await t.api.post<{ token: string; url: string; expires_at: string }>(
    '/api/analytics/dashboard-tokens',
    {
      ttl_seconds: 600,
    },
  );
  expect(minted.status).toBe(201);
  await page.goto(h.baseUrl + minted.body.url);
  await page.waitForFunction(
    () => (window as unknown as { usherAnalytics: PageState }).usherAnalytics.loads >= 1,
    null,
    {
      timeout: 30_000,
    },
  );
  const first = await state(page);
  expect(first.errors).toEqual([]);
  expect(problems).toEqual([]);

  const { charts, data } = first;
  for (const name of ['sales', 'funnel', 'cohorts', 'heatmap', 'forecast']) expect(charts[name]).toBeDefined();
  // Sales over time: days with tickets.
  expect(charts.sales.data[0].length).toBeGreaterThan(10);
  expect(charts.sales.data[1].some((v) => (v ?? 0) > 0)).toBe(true);
  // The funnel narrows at each step and ends in purchases.
  const [views, carts, checkouts, purchases] = charts.funnel.data[1] as number[];
  expect(views).toBeGreaterThan(carts);
  expect(carts).toBeGreaterThan(0);
  expect(checkouts).toBeGreaterThan(0);
  expect(purchases).toBeGreaterThan(0);
  // Cohorts: at least one month's cohort with its first month at 100%.
  expect(charts.cohorts.data.length).toBeGreaterThan(1);
  expect(charts.cohorts.data[1][0]).toBe(100);
  // Heat map: cells with orders.
  expect(data.heatCells.length).toBeGreaterThan(20);
  // Forecast: sold so far, the expected path and a band whose upper edge is never below its lower.
  const [, sold, expected, lower, upper] = charts.forecast.data;
  expect(sold.some((v) => v !== null)).toBe(true);
  expect(expected.some((v) => v !== null)).toBe(true);
  upper.forEach((u, i) => u !== null && expect(u).toBeGreaterThanOrEqual(lower[i] as number));
  expect(await page.locator('#forecast-summary .suggestion').textContent()).toMatch(/Pricing:/);

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'analytics-page.png'), fullPage: true });

  // One event instead of all: fewer orders, and the forecast follows when it is an upcoming one.
  const allOrders = data.overview.revenue[0].orders;
  const option = await page.locator('#f-event option').nth(1).getAttribute('value');
  await page.selectOption('#f-event', option!);
  await page.waitForFunction(() => (window as unknown as { usherAnalytics: PageState }).usherAnalytics.loads >= 2);
  const filtered = await state(page);
  expect(filtered.errors).toEqual([]);
  expect(filtered.data.overview.revenue[0].orders).toBeLessThan(allOrders);
  expect(filtered.data.overview.revenue[0].orders).toBeGreaterThan(0);

  // A channel narrows it again.
  await page.selectOption('#f-channel', 'web');
  await page.waitForFunction(() => (window as unknown as { usherAnalytics: PageState }).usherAnalytics.loads >= 3);
  const web = await state(page);
  expect(web.data.overview.revenue[0].orders).toBeLessThan(filtered.data.overview.revenue[0].orders);

  // A date range over all events and channels: the last 60 days hold some of the orders, not all.
  const from = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
  await page.evaluate((day) => {
    (document.getElementById('f-event') as HTMLSelectElement).value = '';
    (document.getElementById('f-channel') as HTMLSelectElement).value = '';
    const input = document.getElementById('f-from') as HTMLInputElement;
    input.value = day;
    input.dispatchEvent(new Event('change'));
  }, from);
  await page.waitForFunction(() => (window as unknown as { usherAnalytics: PageState }).usherAnalytics.loads >= 4);
  const recent = await state(page);
  expect(recent.errors).toEqual([]);
  expect(recent.data.overview.revenue[0].orders).toBeLessThan(allOrders);
  expect(recent.data.overview.revenue[0].orders).toBeGreaterThan(0);
  expect(recent.charts.sales.data[0].length).toBeLessThanOrEqual(61);

  // Every table's CSV link downloads its export with the current filters.
  const links = await page.locator('a.csv').count();
  expect(links).toBe(6);
  for (let i = 0; i < links; i++) {
    await page.locator('a.csv').nth(i).click();
    await page.waitForFunction(() => !!(window as unknown as { usherAnalytics: PageState }).usherAnalytics.lastCsv);
    const csv = (await state(page)).lastCsv!;
    expect([csv.status, csv.type]).toEqual([200, expect.stringMatching(/^text\/csv/)]);
    expect(csv.text.split('\n').length).toBeGreaterThan(1);
    await page.evaluate(() => {
      delete (window as unknown as { usherAnalytics: PageState }).usherAnalytics.lastCsv;
    });
  }
  expect(problems).toEqual([]);
});

it('asks for a key when opened without one, and serves uPlot itself', async () => {
  const page = await browser.newPage();
  await page.goto(`${h.baseUrl}/analytics`);
  await page.waitForFunction(() => document.getElementById('error')?.textContent?.includes('key'));
  const lib = await fetch(`${h.baseUrl}/analytics/assets/uPlot.iife.min.js`);
  expect(lib.status).toBe(200);
  expect(lib.headers.get('content-type')).toMatch(/javascript/);
});

describe('dashboard tokens', () => {
  it('read the analytics API for their tenant only, expire, and cannot mint more', async () => {
    const minted = await t.api.post<{ token: string; expires_at: string }>('/api/analytics/dashboard-tokens', {});
    expect(minted.status).toBe(201);
    expect(Date.parse(minted.body.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const asToken = client(h.baseUrl, minted.body.token);
    expect((await asToken.get('/api/analytics/overview')).status).toBe(200);
    expect((await asToken.get('/api/analytics/forecasts')).status).toBe(200);
    // Read-only: no writes, and no successor token.
    expect((await asToken.post('/api/analytics/dashboard-tokens', {})).status).toBe(403);
    expect((await asToken.put('/api/analytics/marketing-spend', { items: [] })).status).toBe(403);
    // Another tenant's event is not found through it.
    const other = await createTenantWithKey(h, 'Other page tenant');
    const otherEvent = await other.api.post<{ id: number }>('/api/events', {
      name: 'Elsewhere',
      venue: { name: 'Hall', address: '1 Main St' },
      timezone: 'Europe/Berlin',
      starts_at: new Date(Date.now() + 86_400_000).toISOString(),
      ends_at: new Date(Date.now() + 90_000_000).toISOString(),
      capacity: 10,
    });
    expect((await asToken.get(`/api/analytics/events/${otherEvent.body.id}/forecast`)).status).toBe(404);
    // Tampered or expired tokens are refused.
    expect((await client(h.baseUrl, minted.body.token.slice(0, -2) + 'xx').get('/api/analytics/overview')).status).toBe(
      401,
    );
    const expired = await signDashboardToken(h.config.TOKEN_SECRET, { tenantId: t.tenantId, keyId: 1 }, -10);
    expect((await client(h.baseUrl, expired.token).get('/api/analytics/overview')).status).toBe(401);
    expect((await t.api.post('/api/analytics/dashboard-tokens', { ttl_seconds: 10 })).status).toBe(400);
  });
});
