import { createDb, type Db } from '../../db/connection';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { createGate, registerDevice, ScannerSocket, seedTickets, startTestRealtime } from '../helpers/checkin';
import type { ScanVerdict } from '../../realtime/protocol';

let h: Harness;
let t: TenantFixture;
let rt: Awaited<ReturnType<typeof startTestRealtime>>;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
  rt = await startTestRealtime(h.db);
});
afterAll(async () => {
  await rt.stop();
  await h.stop();
});

interface Setup {
  f: EventFixture;
  gate: { id: number };
  device: { id: number; token: string };
  tickets: { id: number; code: string }[];
}
async function setup(n: number, eventOpts: { allow_reentry?: boolean } = {}): Promise<Setup> {
  const f = await createOnSaleEvent(t, { inventory: Math.max(n, 10), capacity: Math.max(n, 10) * 2 });
  if (eventOpts.allow_reentry) await t.api.patch(`/api/events/${f.eventId}`, { allow_reentry: true });
  const gate = await createGate(t, f.eventId, { name: 'North' });
  const device = await registerDevice(t, f.eventId, gate.id);
  const tickets = await seedTickets(h.owner, t.tenantId, f, n);
  return { f, gate, device, tickets };
}

const scannerUrl = (token: string, server = rt): string => `${server.url}/api/checkin/scanner?token=${token}`;

describe('scanner socket', () => {
  it('admits a ticket once, shows who it is, and tells a second scan when and where it was first admitted', async () => {
    const s = await setup(2);
    const sock = await ScannerSocket.connect(scannerUrl(s.device.token));
    await eventually(async () => sock.messages.find((m) => m.type === 'hello'));
    const first = await sock.scan({ scan_id: 'a-1', code: s.tickets[0].code });
    expect(first).toMatchObject({
      verdict: 'success',
      reason: null,
      gate_id: s.gate.id,
      ticket: { id: s.tickets[0].id, holder_name: 'Holder 1', ticket_type: 'General admission' },
    });
    // Durable before the verdict was sent.
    expect(await h.owner('checkin_presence').where({ ticket_id: s.tickets[0].id })).toHaveLength(1);

    const again = await sock.scan({ scan_id: 'a-2', code: s.tickets[0].code });
    expect(again.verdict).toBe('already_checked_in');
    expect(again.first_admission).toMatchObject({ gate_id: s.gate.id });
    expect(again.suspicious).toBe(true);

    const resent = await sock.scan({ scan_id: 'a-1', code: s.tickets[0].code });
    expect(resent).toMatchObject({ verdict: 'success', replayed: true });
    expect(await h.owner('checkin_scans').where({ tenant_id: t.tenantId, scan_id: 'a-1' })).toHaveLength(1);
    // Two scans stored, two billed (each made alone, so each its own batch); the re-sent one is not billed again.
    const usage = await h
      .owner('usage_records')
      .where({ tenant_id: t.tenantId, meter: 'checkin.scan' })
      .whereIn('idempotency_key', ['checkin.scan:a-1', 'checkin.scan:a-2']);
    expect(usage.reduce((n, u) => n + u.quantity, 0)).toBe(2);
    expect(usage.reduce((n, u) => n + u.amount_minor, 0)).toBe(2);

    const unknown = await sock.scan({ scan_id: 'a-3', code: 'NOPE-NOPE' });
    expect(unknown).toMatchObject({ verdict: 'invalid', reason: 'unknown_code', ticket: null });
    await sock.close();
  });

  it('duplicate storm: 16 connections scanning the same 1,000 tickets at once admit each exactly once', async () => {
    const s = await setup(1000);
    const socks = await Promise.all(
      Array.from({ length: 16 }, () => ScannerSocket.connect(scannerUrl(s.device.token))),
    );
    const verdicts = await Promise.all(
      socks.flatMap((sock, c) => s.tickets.map((tk) => sock.scan({ scan_id: `storm-${c}-${tk.id}`, code: tk.code }))),
    );
    expect(verdicts).toHaveLength(16_000);
    expect(verdicts.filter((v) => v.verdict === 'success')).toHaveLength(1000);
    expect(verdicts.filter((v) => v.verdict === 'already_checked_in')).toHaveLength(15_000);
    const perTicket = new Map<number, number>();
    for (const v of verdicts)
      if (v.verdict === 'success')
        perTicket.set((v.ticket as { id: number }).id, (perTicket.get((v.ticket as { id: number }).id) ?? 0) + 1);
    expect(perTicket.size).toBe(1000);
    const [{ n }] = await h
      .owner('checkin_scans')
      .where({ event_id: s.f.eventId, verdict: 'success' })
      .count<{ n: string }[]>('* as n');
    expect(Number(n)).toBe(1000);
    await Promise.all(socks.map((x) => x.close()));
  });

  it('batches mixing tenants keep each tenant to its own tickets', async () => {
    const s = await setup(200);
    const other = await createTenantWithKey(h);
    const of = await createOnSaleEvent(other, { inventory: 200, capacity: 400 });
    const otherGate = await createGate(other, of.eventId);
    const otherDevice = await registerDevice(other, of.eventId, otherGate.id);
    const otherTickets = await seedTickets(h.owner, other.tenantId, of, 200);
    const mine = await ScannerSocket.connect(scannerUrl(s.device.token));
    const theirs = await ScannerSocket.connect(scannerUrl(otherDevice.token));
    // Interleaved, so batches hold both tenants; each side also tries the other's codes.
    const verdicts = await Promise.all(
      s.tickets.flatMap((tk, i) => [
        mine.scan({ scan_id: `mix-a-${i}`, code: tk.code }),
        theirs.scan({ scan_id: `mix-b-${i}`, code: otherTickets[i].code }),
        theirs.scan({ scan_id: `mix-bx-${i}`, code: tk.code }),
        mine.scan({ scan_id: `mix-ax-${i}`, code: otherTickets[i].code }),
      ]),
    );
    const byPrefix = (p: string) =>
      verdicts.filter((v) => v.scan_id.startsWith(p)).map((v) => `${v.verdict}/${v.reason}`);
    expect(new Set(byPrefix('mix-a-'))).toEqual(new Set(['success/null']));
    expect(new Set(byPrefix('mix-b-'))).toEqual(new Set(['success/null']));
    expect(new Set(byPrefix('mix-bx-'))).toEqual(new Set(['invalid/unknown_code']));
    expect(new Set(byPrefix('mix-ax-'))).toEqual(new Set(['invalid/unknown_code']));
    const [{ n }] = await h
      .owner('checkin_scans')
      .where({ tenant_id: other.tenantId })
      .count<{ n: string }[]>('* as n');
    expect(Number(n)).toBe(400);
    await mine.close();
    await theirs.close();
  });

  it('two realtime processes on one Postgres admit a ticket once', async () => {
    const s = await setup(300);
    const otherDb: Db = createDb(h.config.appDatabaseUrl, 10);
    const other = await startTestRealtime(otherDb);
    try {
      const a = await ScannerSocket.connect(scannerUrl(s.device.token));
      const b = await ScannerSocket.connect(scannerUrl(s.device.token, other));
      const verdicts = await Promise.all(
        s.tickets.flatMap((tk) => [
          a.scan({ scan_id: `p1-${tk.id}`, code: tk.code }),
          b.scan({ scan_id: `p2-${tk.id}`, code: tk.code }),
        ]),
      );
      expect(verdicts.filter((v) => v.verdict === 'success')).toHaveLength(300);
      expect(verdicts.filter((v) => v.verdict === 'already_checked_in')).toHaveLength(300);
      await a.close();
      await b.close();
    } finally {
      await other.stop();
      await otherDb.destroy();
    }
  });

  it('a device that reconnects and re-sends its scans gets the same verdicts and counts nothing twice', async () => {
    const s = await setup(50);
    const first = await ScannerSocket.connect(scannerUrl(s.device.token));
    const before = await Promise.all(s.tickets.map((tk) => first.scan({ scan_id: `re-${tk.id}`, code: tk.code })));
    await first.close();
    const second = await ScannerSocket.connect(scannerUrl(s.device.token));
    const after = await Promise.all(s.tickets.map((tk) => second.scan({ scan_id: `re-${tk.id}`, code: tk.code })));
    expect(after.map((v) => v.verdict)).toEqual(before.map((v) => v.verdict));
    expect(after.every((v) => v.replayed)).toBe(true);
    // Metered per committed batch: 50 scans billed once each, however they were batched.
    const [billed] = await h
      .owner('usage_records')
      .where({ tenant_id: t.tenantId, meter: 'checkin.scan' })
      .whereLike('idempotency_key', 'checkin.scan:re-%')
      .select(h.owner.raw('sum(quantity)::int as scans'), h.owner.raw('sum(amount_minor)::int as amount'));
    expect(billed).toEqual({ scans: 50, amount: 50 });
    await second.close();
  });

  it("refuses closed gates, VIP lanes for other ticket types, cancelled, voided and other events' tickets; lets people out and (when allowed) back in", async () => {
    const s = await setup(6, { allow_reentry: true });
    const vipType = await t.api.post<{ id: number }>(`/api/events/${s.f.eventId}/ticket-types`, {
      name: 'VIP',
      price_minor: 9900,
      currency: 'EUR',
      inventory: 5,
    });
    const vip = await createGate(t, s.f.eventId, {
      name: 'VIP lane',
      is_vip: true,
      ticket_type_ids: [vipType.body.id],
    });
    const [vipTicket] = await seedTickets(h.owner, t.tenantId, s.f, 1, { ticketTypeId: vipType.body.id });
    const other = await setup(1);
    const sock = await ScannerSocket.connect(scannerUrl(s.device.token));

    expect(await sock.scan({ scan_id: 'g-1', code: s.tickets[0].code, gate_id: vip.id })).toMatchObject({
      verdict: 'invalid',
      reason: 'ticket_type_not_admitted',
    });
    expect(await sock.scan({ scan_id: 'g-2', code: vipTicket.code, gate_id: vip.id })).toMatchObject({
      verdict: 'success',
      ticket: { ticket_type: 'VIP' },
    });
    await eventually(
      async () =>
        (await h.owner('checkin_alerts').where({ tenant_id: t.tenantId, kind: 'vip_arrival', event_id: s.f.eventId }))
          .length === 1,
    );

    expect((await t.api.post(`/api/checkin/gates/${s.gate.id}/close`)).body).toMatchObject({ status: 'closed' });
    expect(await sock.scan({ scan_id: 'g-3', code: s.tickets[1].code })).toMatchObject({
      verdict: 'invalid',
      reason: 'gate_closed',
    });
    await t.api.post(`/api/checkin/gates/${s.gate.id}/open`);
    expect(await sock.scan({ scan_id: 'g-4', code: s.tickets[1].code })).toMatchObject({ verdict: 'success' });

    expect((await t.api.post(`/api/tickets/${s.tickets[2].id}/cancel`)).status).toBe(200);
    expect(await sock.scan({ scan_id: 'g-5', code: s.tickets[2].code })).toMatchObject({ verdict: 'cancelled' });
    await h.owner('tickets').where({ id: s.tickets[3].id }).update({ status: 'voided' });
    expect(await sock.scan({ scan_id: 'g-6', code: s.tickets[3].code })).toMatchObject({
      verdict: 'invalid',
      reason: 'voided',
    });
    await h.owner('tickets').where({ id: s.tickets[4].id }).update({ status: 'transferred' });
    expect(await sock.scan({ scan_id: 'g-7', code: s.tickets[4].code })).toMatchObject({
      verdict: 'invalid',
      reason: 'transferred',
    });
    expect(await sock.scan({ scan_id: 'g-8', code: other.tickets[0].code })).toMatchObject({
      verdict: 'invalid',
      reason: 'wrong_event',
    });

    expect(await sock.scan({ scan_id: 'g-9', code: s.tickets[1].code, direction: 'exit' })).toMatchObject({
      verdict: 'success',
      direction: 'exit',
    });
    expect(await sock.scan({ scan_id: 'g-10', code: s.tickets[1].code })).toMatchObject({ verdict: 'success' });
    expect(await sock.scan({ scan_id: 'g-11', code: s.tickets[5].code, direction: 'exit' })).toMatchObject({
      verdict: 'invalid',
      reason: 'not_inside',
    });
    await sock.close();
  });

  it('refuses re-entry after an exit when the event does not allow it', async () => {
    const s = await setup(1);
    const sock = await ScannerSocket.connect(scannerUrl(s.device.token));
    expect((await sock.scan({ scan_id: 'x-1', code: s.tickets[0].code })).verdict).toBe('success');
    expect((await sock.scan({ scan_id: 'x-2', code: s.tickets[0].code, direction: 'exit' })).verdict).toBe('success');
    expect(await sock.scan({ scan_id: 'x-3', code: s.tickets[0].code })).toMatchObject({
      verdict: 'already_checked_in',
      reason: 'reentry_not_allowed',
    });
    await sock.close();
  });

  it('answers malformed messages with an error, closes on oversized frames, and keeps serving other connections', async () => {
    const s = await setup(2);
    const bad = await ScannerSocket.connect(scannerUrl(s.device.token));
    const good = await ScannerSocket.connect(scannerUrl(s.device.token));
    let err = bad.nextError();
    bad.send('not json {');
    expect(await err).toMatchObject({ type: 'error', code: 'malformed' });
    err = bad.nextError();
    bad.send({ type: 'scan', scan_id: 'm-1' });
    expect(await err).toMatchObject({ type: 'error', code: 'invalid_message', scan_id: 'm-1' });
    err = bad.nextError();
    bad.send({ type: 'scan', scan_id: 'm-2', code: 'X', scanned_at: 'yesterday', extra: true });
    expect(await err).toMatchObject({ code: 'invalid_message' });
    bad.send('x'.repeat(64 * 1024));
    await eventually(async () => bad.closed, { what: 'oversized frame closes the connection' });
    expect((await good.scan({ scan_id: 'm-3', code: s.tickets[0].code })).verdict).toBe('success');
    await good.close();
  });

  it('refuses a connection without a valid device token', async () => {
    await expect(ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=usd_bogus.token`)).rejects.toThrow(/401/);
  });
});

describe('offline sync', () => {
  it('records offline scans with their own time, idempotently, and flags a ticket admitted online and offline on both scans', async () => {
    const s = await setup(3);
    const offline = await registerDevice(t, s.f.eventId, s.gate.id);
    const sock = await ScannerSocket.connect(scannerUrl(s.device.token));
    expect((await sock.scan({ scan_id: 'on-1', code: s.tickets[0].code })).verdict).toBe('success');
    await sock.close();

    const manifest = await t.api.get<{ items: { code: string; status: string }[]; next_cursor: string }>(
      `/api/checkin/events/${s.f.eventId}/manifest`,
    );
    expect(manifest.body.items.map((i) => i.code).sort()).toEqual(s.tickets.map((x) => x.code).sort());
    await t.api.post(`/api/tickets/${s.tickets[2].id}/cancel`);
    const delta = await t.api.get<{ items: { code: string; status: string }[] }>(
      `/api/checkin/events/${s.f.eventId}/manifest?cursor=${manifest.body.next_cursor}`,
    );
    expect(delta.body.items).toEqual([expect.objectContaining({ code: s.tickets[2].code, status: 'cancelled' })]);

    const at = new Date(Date.now() - 10 * 60_000).toISOString();
    const body = {
      device_id: offline.id,
      scans: [
        { scan_id: 'off-1', code: s.tickets[0].code, scanned_at: at },
        { scan_id: 'off-2', code: s.tickets[1].code, scanned_at: at },
      ],
    };
    const sync = await t.api.post<{ results: ScanVerdict[] }>('/api/checkin/sync', body);
    expect(sync.status).toBe(200);
    expect(sync.body.results.map((r) => [r.scan_id, r.verdict])).toEqual([
      ['off-1', 'already_checked_in'],
      ['off-2', 'success'],
    ]);
    const again = await t.api.post<{ results: ScanVerdict[] }>('/api/checkin/sync', body);
    expect(again.body.results.map((r) => [r.verdict, r.replayed])).toEqual([
      ['already_checked_in', true],
      ['success', true],
    ]);

    const scans = await h.owner('checkin_scans').where({ ticket_id: s.tickets[0].id }).orderBy('scan_id');
    expect(scans.map((x) => [x.scan_id, x.suspicious, x.source])).toEqual([
      ['off-1', true, 'offline'],
      ['on-1', true, 'online'],
    ]);
    const off2 = await h.owner('checkin_scans').where({ tenant_id: t.tenantId, scan_id: 'off-2' }).first();
    expect(off2.scanned_at.toISOString()).toBe(at);
    const alerts = await h
      .owner('checkin_alerts')
      .where({ tenant_id: t.tenantId, kind: 'suspicious', event_id: s.f.eventId });
    expect(alerts).toHaveLength(1);
    expect(
      await h
        .owner('outbox')
        .where({ tenant_id: t.tenantId, type: 'checkin.alert' })
        .whereRaw("payload->>'id' = ?", [String(alerts[0].id)]),
    ).toHaveLength(1);
    const device = await t.api.get<{ items: { id: number; last_sync_at: string | null }[] }>(
      `/api/checkin/events/${s.f.eventId}/devices`,
    );
    expect(device.body.items.find((d) => d.id === offline.id)?.last_sync_at).not.toBeNull();
  });

  it('two offline devices admitting the same ticket: the earlier sync wins and both scans are flagged', async () => {
    const s = await setup(1);
    const d1 = await registerDevice(t, s.f.eventId, s.gate.id);
    const d2 = await registerDevice(t, s.f.eventId, s.gate.id);
    const at = new Date().toISOString();
    const r1 = await t.api.post<{ results: ScanVerdict[] }>('/api/checkin/sync', {
      device_id: d1.id,
      scans: [{ scan_id: 'd1-1', code: s.tickets[0].code, scanned_at: at }],
    });
    const r2 = await t.api.post<{ results: ScanVerdict[] }>('/api/checkin/sync', {
      device_id: d2.id,
      scans: [{ scan_id: 'd2-1', code: s.tickets[0].code, scanned_at: at }],
    });
    expect([r1.body.results[0].verdict, r2.body.results[0].verdict]).toEqual(['success', 'already_checked_in']);
    const flagged = await h.owner('checkin_scans').where({ ticket_id: s.tickets[0].id, suspicious: true });
    expect(flagged).toHaveLength(2);
  });
});
