import { type BrowserContext } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createGate, registerDevice, ScannerSocket, seedTickets, startTestRealtime } from '../helpers/checkin';

let h: Harness;
let t: TenantFixture;
let rt: Awaited<ReturnType<typeof startTestRealtime>>;
let browser: BrowserContext;

beforeAll(async () => {
  // A machine without Chromium fails here, loudly: the dashboard is only proven in a real browser.
  browser = await launchChromium('dashboard', { args: ['--disable-quic', '--disable-component-update'] });
  h = await createHarness();
  t = await createTenantWithKey(h);
  rt = await startTestRealtime(h.db);
});
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
  await h?.stop();
});

it('shows a scan made by a scanner client on the organiser dashboard within a second', async () => {
  const f = await createOnSaleEvent(t, { inventory: 10, capacity: 10 });
  const gate = await createGate(t, f.eventId, { name: 'Front door' });
  const device = await registerDevice(t, f.eventId, gate.id);
  const [ticket] = await seedTickets(h.owner, t.tenantId, f, 1);

  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${rt.port}/checkin/dashboard?event=${f.eventId}&key=${encodeURIComponent(t.key)}`);
  await page.waitForFunction(
    () =>
      document.getElementById('status')?.textContent === 'live' &&
      document.getElementById('inside')?.textContent === '0',
  );
  await page.waitForSelector('#gates td');

  const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
  const started = Date.now();
  expect((await sock.scan({ scan_id: 'dash-1', code: ticket.code })).verdict).toBe('success');
  await page.waitForFunction(() => document.getElementById('inside')?.textContent === '1', undefined, {
    timeout: 1000,
  });
  await page.waitForSelector('#scans li[data-scan-id="dash-1"]', { timeout: 1000 });
  expect(Date.now() - started).toBeLessThan(1000);
  expect(await page.textContent('#scans')).toContain('Holder 1');
  expect(await page.textContent('#capacity')).toBe('10%');
  expect(await page.textContent('#gates')).toContain('Front door');
  await sock.close();
  await page.close();
});

interface ChartData {
  library: string;
  perMinute: number;
  inside: (number | null)[];
  series: string[];
}

it('draws the rate and occupancy charts with uPlot, served by the realtime server, and moves them as scans land', async () => {
  const f = await createOnSaleEvent(t, { inventory: 10, capacity: 10 });
  const gate = await createGate(t, f.eventId, { name: 'Side door' });
  const device = await registerDevice(t, f.eventId, gate.id);
  const tickets = await seedTickets(h.owner, t.tenantId, f, 3);

  const page = await browser.newPage();
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(`http://127.0.0.1:${rt.port}/`) && !r.url().startsWith(`ws://127.0.0.1:${rt.port}/`))
      external.push(r.url());
  });
  await page.goto(`http://127.0.0.1:${rt.port}/checkin/dashboard?event=${f.eventId}&key=${encodeURIComponent(t.key)}`);
  await page.waitForFunction(() => document.getElementById('inside')?.textContent === '0');
  const charts = (): Promise<ChartData> =>
    page.evaluate(() => {
      const d = (
        window as unknown as {
          usherDashboard: {
            rate: { data: number[][] };
            inside: { data: (number | null)[][]; series: { label?: string }[] };
          };
        }
      ).usherDashboard;
      return {
        library: typeof (window as unknown as { uPlot?: unknown }).uPlot,
        perMinute: d.rate.data[1].reduce((a, b) => a + b, 0),
        inside: d.inside.data[1],
        series: d.inside.series.slice(1).map((s) => s.label ?? ''),
      };
    });
  const before = await charts();
  expect(before.library).toBe('function');
  expect(before.perMinute).toBe(0);
  expect(before.inside.at(-1)).toBe(0);
  expect(before.series).toEqual(['Event', 'Side door']);
  expect(await page.locator('#rate-chart canvas').count()).toBe(1);

  const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
  for (const [i, ticket] of tickets.entries())
    expect((await sock.scan({ scan_id: `chart-${i}`, code: ticket.code })).verdict).toBe('success');
  await page.waitForFunction(
    () => {
      const d = (window as unknown as { usherDashboard: { rate: { data: number[][] }; inside: { data: number[][] } } })
        .usherDashboard;
      return d.rate.data[1].reduce((a, b) => a + b, 0) === 3 && d.inside.data[1].at(-1) === 3;
    },
    undefined,
    { timeout: 2000 },
  );
  const after = await charts();
  expect(after.inside.length).toBeGreaterThan(before.inside.length);
  expect(external).toEqual([]);
  await sock.close();
  await page.close();
});
