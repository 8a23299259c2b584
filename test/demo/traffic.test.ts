import { randomBytes } from 'node:crypto';
import { seedDemo } from '../../scripts/demo-seed';
import { runTraffic, type TrafficSummary } from '../../scripts/demo-traffic';
import { startTestRealtime } from '../helpers/checkin';
import { client, createHarness, type Harness } from '../helpers/harness';

let h: Harness;
let rt: Awaited<ReturnType<typeof startTestRealtime>>;
beforeAll(async () => {
  h = await createHarness({ worker: true });
  rt = await startTestRealtime(h.db);
});
afterAll(async () => {
  await rt?.stop();
  await h?.stop();
});

function expectOneOfEach(s: TrafficSummary): void {
  expect(s.errors).toBe(0);
  expect(s.admitted).toBeGreaterThan(5);
  expect(s.duplicates_refused).toBe(1);
  // The deliberate duplicate is the only refusal: the rush never scans a ticket in the wrong state.
  expect(s.refused).toEqual({ already_checked_in: 1 });
  expect(s.replayed).toBe(1);
  expect(s.offline_sync?.scans).toBeGreaterThanOrEqual(2);
  expect(s.offline_sync?.accepted).toBe(s.offline_sync?.scans);
  expect(s.alerts.suspicious).toBe(1);
  expect(s.alerts.vip_arrival).toBeGreaterThan(0);
  expect(s.webhooks?.by_type['checkin.alert']).toBeGreaterThanOrEqual(s.alerts.suspicious + s.alerts.vip_arrival);
}

it('rushes the seeded gates for --seconds 3: admissions, one duplicate refused, one replay, one offline sync, alerts and webhooks', async () => {
  const demo = await seedDemo(h.config, undefined, { tenantId: `t_demo_${randomBytes(4).toString('hex')}` });
  const options = {
    apiUrl: h.baseUrl,
    realtimeUrl: rt.url,
    apiKey: demo.apiKey,
    eventId: demo.eventId,
    seconds: 3,
    rate: 20,
  };
  const first = await runTraffic(options);
  expectOneOfEach(first);
  expect(first.scanners.map((s) => s.gate).sort()).toEqual(['North', 'North', 'South', 'VIP']);
  // Postgres counted what the scanners were told, offline scans included.
  expect(first.accepted).toBe(first.admitted + first.reentries + first.exits);
  expect(first.admitted_total).toBe(first.admitted);
  expect(first.inside_now).toBe(first.admitted + first.reentries - first.exits);
  expect(first.dashboard).toBe(
    `http://127.0.0.1:${rt.port}/checkin/dashboard?event=${demo.eventId}&key=${encodeURIComponent(demo.apiKey)}`,
  );

  // A second run finds who is inside already: again exactly one duplicate, no stale refusals.
  const second = await runTraffic(options);
  expectOneOfEach(second);
  expect(second.admitted_total).toBe(first.admitted_total + second.admitted);

  // The scanners are switched off and the run's webhook endpoint is gone.
  const api = client(h.baseUrl, demo.apiKey);
  const devices = await api.get<{ items: { status: string }[] }>(`/api/checkin/events/${demo.eventId}/devices`);
  expect(devices.body.items.map((d) => d.status)).toEqual(['inactive', 'inactive', 'inactive', 'inactive']);
  const endpoints = await api.get<{ items: { status: string }[] }>('/api/webhooks/endpoints');
  expect(endpoints.body.items.every((e) => e.status !== 'active')).toBe(true);
  // 18 s alone, over a minute beside the rest of the suite on 2 cores.
}, 180_000);

it('talks to 127.0.0.1 only', async () => {
  const base = { realtimeUrl: rt.url, apiKey: 'usk_x', eventId: 1, seconds: 1, rate: 1 };
  await expect(runTraffic({ ...base, apiUrl: 'http://example.com:3000' })).rejects.toThrow(/127\.0\.0\.1/);
  await expect(runTraffic({ ...base, apiUrl: h.baseUrl, realtimeUrl: 'ws://localhost:3001' })).rejects.toThrow(
    /127\.0\.0\.1/,
  );
});
