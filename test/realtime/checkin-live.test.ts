import WebSocket from 'ws';
import { upsertModule } from '../../db/platform/modules';
import { createApiKey } from '../../db/tenants/keys';
import type { LiveServerMessage } from '../../realtime/protocol';
import { client, createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createGate, registerDevice, ScannerSocket, seedTickets, startTestRealtime } from '../helpers/checkin';

let h: Harness;
let t: TenantFixture;
let rt: Awaited<ReturnType<typeof startTestRealtime>>;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
  await upsertModule(h.owner, t.tenantId, 'checkin', {
    settings: { alert_email: 'ops@example.com', heartbeat_timeout_s: 1 },
  });
  rt = await startTestRealtime(h.db, { heartbeatTimeoutS: 1 });
});
afterAll(async () => {
  await rt.stop();
  await h.stop();
});

function watch(eventId: number, key = t.key): Promise<{ messages: LiveServerMessage[]; close(): void }> {
  const ws = new WebSocket(`${rt.url}/api/checkin/events/${eventId}/live?key=${key}`);
  const messages: LiveServerMessage[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as LiveServerMessage));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ messages, close: () => ws.close() }));
    ws.once('error', reject);
  });
}

describe('live dashboard socket and alerts', () => {
  it('streams counts per gate and in total, and fires each capacity level once for the gate and the event', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10, capacity: 10 });
    const small = await createGate(t, f.eventId, { name: 'Small', capacity_limit: 5 });
    const main = await createGate(t, f.eventId, { name: 'Main' });
    const device = await registerDevice(t, f.eventId, small.id);
    const tickets = await seedTickets(h.owner, t.tenantId, f, 10);
    const live = await watch(f.eventId);
    await eventually(async () => live.messages.some((m) => m.type === 'counts'), { what: 'first counts' });

    const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
    const started = Date.now();
    await sock.scan({ scan_id: 'l-0', code: tickets[0].code });
    await eventually(async () => live.messages.some((m) => m.type === 'counts' && m.inside === 1), {
      what: 'counts with one inside',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    for (let i = 1; i < 5; i++) await sock.scan({ scan_id: `l-${i}`, code: tickets[i].code });
    for (let i = 5; i < 10; i++) await sock.scan({ scan_id: `l-${i}`, code: tickets[i].code, gate_id: main.id });

    const last = await eventually(
      async () => live.messages.filter((m) => m.type === 'counts').find((m) => m.inside === 10),
      { what: 'ten inside' },
    );
    expect(last).toMatchObject({ capacity_pct: 100, sold: 10, admitted: 10 });
    if (last.type !== 'counts') throw new Error('unreachable');
    expect(last.gates.map((g) => [g.name, g.inside, g.capacity_pct])).toEqual([
      ['Small', 5, 100],
      ['Main', 5, null],
    ]);
    expect(last.per_minute.reduce((n, m) => n + m.count, 0)).toBe(10);
    expect(live.messages.some((m) => m.type === 'scan' && m.scan_id === 'l-3')).toBe(true);

    const levels = await eventually(
      async () => {
        const rows = await h.owner('checkin_alerts').where({ event_id: f.eventId, kind: 'capacity' });
        return rows.length >= 6 && rows;
      },
      { what: 'capacity alerts' },
    );
    const fired = levels.map((a) => `${a.gate_id ?? 'event'}:${a.payload.level}`).sort();
    expect(fired).toEqual(
      [`${small.id}:100`, `${small.id}:80`, `${small.id}:90`, 'event:100', 'event:80', 'event:90'].sort(),
    );
    await eventually(
      async () => live.messages.filter((m) => m.type === 'alert' && m.alert.kind === 'capacity').length === 6,
      { what: 'alerts on the socket' },
    );
    const mails = await h.owner('email_outbox').where({ tenant_id: t.tenantId, to_address: 'ops@example.com' });
    expect(mails.length).toBeGreaterThanOrEqual(6);
    await sock.close();
    live.close();
  });

  it('fires capacity alerts with no dashboard open, and again after the count fell below a level and crossed it anew', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5, capacity: 5 });
    await t.api.patch(`/api/events/${f.eventId}`, { allow_reentry: true });
    const gate = await createGate(t, f.eventId, { name: 'Door' });
    const device = await registerDevice(t, f.eventId, gate.id);
    const tickets = await seedTickets(h.owner, t.tenantId, f, 4);
    const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
    const eightyPct = async () =>
      (await h.owner('checkin_alerts').where({ event_id: f.eventId, kind: 'capacity' })).filter(
        (a) => a.payload.level === 80,
      );

    for (const [i, tk] of tickets.entries())
      expect((await sock.scan({ scan_id: `cap-in-${i}`, code: tk.code })).verdict).toBe('success');
    await eventually(async () => (await eightyPct()).length === 1, { what: 'the 80% alert' });

    // 3 of 5 inside: the level re-arms once a refresh sees it; back to 4 fires it a second time.
    expect((await sock.scan({ scan_id: 'cap-out', code: tickets[0].code, direction: 'exit' })).verdict).toBe('success');
    await eventually(
      async () =>
        (await h.owner('checkin_alert_levels').where({ event_id: f.eventId, gate_id: 0, level: 80 }).first())?.above ===
        false,
      { what: 're-armed' },
    );
    expect((await sock.scan({ scan_id: 'cap-back', code: tickets[0].code })).verdict).toBe('success');
    await eventually(async () => (await eightyPct()).length === 2, { what: 'the second 80% alert' });
    await sock.close();
  });

  it('raises a device-offline alert when a scanner goes silent, and shows it offline', async () => {
    const f = await createOnSaleEvent(t, { inventory: 1 });
    const gate = await createGate(t, f.eventId);
    const device = await registerDevice(t, f.eventId, gate.id, 'door-7');
    const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
    await sock.close();
    const alert = await eventually(
      async () => h.owner('checkin_alerts').where({ event_id: f.eventId, kind: 'device_offline' }).first(),
      { what: 'offline alert' },
    );
    expect(alert.message).toMatch(/door-7/);
    const devices = await t.api.get<{ items: { id: number; status: string }[] }>(
      `/api/checkin/events/${f.eventId}/devices`,
    );
    expect(devices.body.items).toEqual([expect.objectContaining({ id: device.id, status: 'offline' })]);
  });

  it('refuses a live socket without a key of the tenant', async () => {
    const f = await createOnSaleEvent(t, { inventory: 1 });
    const other = await createTenantWithKey(h, 'Other');
    await expect(watch(f.eventId, other.key)).rejects.toThrow(/401/);
  });
});

describe('check-in over HTTP', () => {
  it('scans with a scanner key, looks tickets up by code, name or order number, and reports status and statistics', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5, capacity: 10 });
    const gate = await createGate(t, f.eventId, { name: 'East' });
    const tickets = await seedTickets(h.owner, t.tenantId, f, 3);
    const { key } = await createApiKey(h.owner, t.tenantId, 'scanner', ['scanner']);
    const scanner = client(h.baseUrl, key);

    const ok = await scanner.post('/api/checkin/scan', { scan_id: 'h-1', code: tickets[0].code, gate_id: gate.id });
    expect(ok.body).toMatchObject({ verdict: 'success', ticket: { holder_name: 'Holder 1' } });
    const dup = await scanner.post('/api/checkin/scan', { scan_id: 'h-2', code: tickets[0].code, gate_id: gate.id });
    expect(dup.body).toMatchObject({ verdict: 'already_checked_in', first_admission: { gate_id: gate.id } });
    expect((await scanner.post('/api/checkin/gates', { event_id: f.eventId, name: 'Nope' })).status).toBe(403);

    const lookup = await scanner.get(`/api/checkin/ticket/${tickets[0].code}/lookup`);
    expect(lookup.body).toMatchObject({ checked_in: true, inside: true, ticket: { id: tickets[0].id } });
    expect((lookup.body.scans as unknown[]).length).toBe(2);
    const byName = await scanner.get<{ items: { id: number; order_number: string }[] }>(
      `/api/checkin/search?event_id=${f.eventId}&q=holder 2`,
    );
    expect(byName.body.items.map((x) => x.id)).toEqual([tickets[1].id]);
    const byOrder = await scanner.get<{ items: { id: number }[] }>(
      `/api/checkin/search?event_id=${f.eventId}&q=${byName.body.items[0].order_number}`,
    );
    expect(byOrder.body.items).toHaveLength(3);

    const status = await t.api.get(`/api/checkin/events/${f.eventId}/status`);
    expect(status.body).toMatchObject({ inside: 1, admitted: 1, sold: 3, capacity: 10, capacity_pct: 10 });
    const stats = await t.api.get(`/api/checkin/events/${f.eventId}/stats`);
    expect(stats.body).toMatchObject({ admitted: 1, no_shows: 2, verdicts: { success: 1, already_checked_in: 1 } });
    expect(stats.body.per_gate).toEqual([expect.objectContaining({ gate_id: gate.id, admitted: 1, refused: 1 })]);
    const gateStats = await t.api.get(`/api/checkin/gates/${gate.id}/stats`);
    expect(gateStats.body).toMatchObject({ inside: 1, admitted: 1 });

    expect((await t.api.post(`/api/checkin/gates/${gate.id}/staff`, { staff_ref: 'u-1', name: 'Sam' })).status).toBe(
      201,
    );
    expect((await t.api.get<{ items: unknown[] }>(`/api/checkin/gates/${gate.id}/staff`)).body.items).toHaveLength(1);
    expect((await t.api.delete(`/api/checkin/gates/${gate.id}/staff/u-1`)).status).toBe(204);
  });

  it('bills devices beyond the three included, once per device and month', async () => {
    const other = await createTenantWithKey(h, 'Devices');
    const f = await createOnSaleEvent(other, { inventory: 1 });
    for (let i = 0; i < 5; i++) await registerDevice(other, f.eventId, null, `dev-${i}`);
    await registerDevice(other, f.eventId, null, 'dev-4');
    const usage = await h.owner('usage_records').where({ tenant_id: other.tenantId, meter: 'checkin.extra_device' });
    expect(usage).toHaveLength(2);
    expect(usage.every((u) => u.amount_minor === 500)).toBe(true);
  });
});
