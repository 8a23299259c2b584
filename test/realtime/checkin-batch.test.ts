import type { ClientBase } from 'pg';
import { withTenant } from '../../db/connection';
import { eventCounts } from '../../db/checkin/counts';
import type { ScanInput } from '../../db/checkin/scan-plan';
import { applyScans, applyScansAutocommit } from '../../db/checkin/scans';
import { createLogger } from '../../lib/logger';
import { ScanBatcher } from '../../realtime/batcher';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createGate, seedTickets } from '../helpers/checkin';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
});
afterAll(async () => {
  await h.stop();
});

/** Who is inside and admitted, per gate, straight from the presence rows. */
async function presenceTruth(
  eventId: number,
): Promise<{ inside: number; admitted: number; gates: Record<number, { inside: number; admitted: number }> }> {
  const rows = await h
    .owner('checkin_presence')
    .where({ event_id: eventId })
    .select('gate_id', 'first_gate_id', 'inside');
  const gates: Record<number, { inside: number; admitted: number }> = {};
  const gate = (id: number) => (gates[id] ??= { inside: 0, admitted: 0 });
  for (const r of rows) {
    if (r.inside) gate(Number(r.gate_id)).inside++;
    gate(Number(r.first_gate_id)).admitted++;
  }
  return { inside: rows.filter((r) => r.inside).length, admitted: rows.length, gates };
}

describe('a batch of scans', () => {
  it('decides entries, repeats, exits and re-entries of the same tickets in scan order within one batch', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    await t.api.patch(`/api/events/${f.eventId}`, { allow_reentry: true });
    const north = await createGate(t, f.eventId, { name: 'North' });
    const south = await createGate(t, f.eventId, { name: 'South' });
    const [a, b, c] = await seedTickets(h.owner, t.tenantId, f, 3);
    const at = (s: number) => new Date(Date.UTC(2026, 10, 24, 18, 0, s));
    const scan = (scanId: string, code: string, gateId: number, direction: 'entry' | 'exit', s: number): ScanInput => ({
      scanId,
      code,
      gateId,
      deviceId: null,
      eventId: f.eventId,
      direction,
      scannedAt: at(s),
      source: 'offline',
    });

    const { outcomes, alerts } = await withTenant(h.db, t.tenantId, (tx) =>
      applyScans(tx, t.tenantId, [
        scan('b1', a.code, north.id, 'entry', 1),
        scan('b2', a.code, south.id, 'entry', 2),
        scan('b3', a.code, north.id, 'exit', 3),
        scan('b4', a.code, south.id, 'entry', 4),
        scan('b5', b.code, south.id, 'entry', 5),
        scan('b6', c.code, north.id, 'exit', 6),
        scan('b7', 'NO-SUCH-CODE', north.id, 'entry', 7),
        scan('b1', a.code, north.id, 'entry', 1),
      ]),
    );

    expect(outcomes.map((o) => [o.scanId, o.verdict, o.reason, o.suspicious])).toEqual([
      ['b1', 'success', null, true],
      ['b2', 'already_checked_in', null, true],
      ['b3', 'success', null, false],
      ['b4', 'success', null, false],
      ['b5', 'success', null, false],
      ['b6', 'invalid', 'not_inside', false],
      ['b7', 'invalid', 'unknown_code', false],
      ['b1', 'success', null, true],
    ]);
    expect(outcomes[1].firstAdmission).toEqual({ at: at(1).toISOString(), gate_id: north.id });
    expect(alerts.map((x) => x.kind)).toEqual(['suspicious']);

    // Stored once per scan id, with the verdicts shown; billed once per stored scan.
    const stored = await h
      .owner('checkin_scans')
      .where({ tenant_id: t.tenantId, event_id: f.eventId })
      .orderBy('scan_id')
      .select('scan_id', 'verdict', 'suspicious');
    expect(stored.map((s) => [s.scan_id, s.verdict, s.suspicious])).toEqual([
      ['b1', 'success', true],
      ['b2', 'already_checked_in', true],
      ['b3', 'success', false],
      ['b4', 'success', false],
      ['b5', 'success', false],
      ['b6', 'invalid', false],
      ['b7', 'invalid', false],
    ]);
    const [billed] = await h
      .owner('usage_records')
      .where({ tenant_id: t.tenantId, meter: 'checkin.scan' })
      .select(h.owner.raw('sum(quantity)::int as n'));
    expect(billed.n).toBe(7);

    // a re-entered at South, b entered at South; first admissions: a at North, b at South.
    const counts = await withTenant(h.db, t.tenantId, (tx) => eventCounts(tx, f.eventId));
    expect(counts).toMatchObject({ inside: 2, admitted: 2, sold: 3 });
    expect(counts?.gates.map((g) => [g.gate_id, g.inside, g.admitted])).toEqual([
      [north.id, 0, 1],
      [south.id, 2, 1],
    ]);
    expect(await presenceTruth(f.eventId)).toEqual({
      inside: 2,
      admitted: 2,
      gates: { [north.id]: { inside: 0, admitted: 1 }, [south.id]: { inside: 2, admitted: 1 } },
    });
  });

  it('keeps the live counters equal to the presence rows under concurrent batches from many shards', async () => {
    const f = await createOnSaleEvent(t, { inventory: 400 });
    await t.api.patch(`/api/events/${f.eventId}`, { allow_reentry: true });
    const gates = [await createGate(t, f.eventId), await createGate(t, f.eventId), await createGate(t, f.eventId)];
    const tickets = await seedTickets(h.owner, t.tenantId, f, 400);
    const now = Date.now();
    // Every ticket entered twice (two gates racing), half of them leave, a quarter come back in.
    const scans: ScanInput[] = tickets.flatMap((tk, i) => [
      {
        scanId: `c-${tk.id}-1`,
        code: tk.code,
        gateId: gates[i % 3].id,
        deviceId: null,
        eventId: f.eventId,
        direction: 'entry' as const,
        scannedAt: new Date(now - 90_000),
        source: 'online' as const,
      },
      {
        scanId: `c-${tk.id}-2`,
        code: tk.code,
        gateId: gates[(i + 1) % 3].id,
        deviceId: null,
        eventId: f.eventId,
        direction: 'entry' as const,
        scannedAt: new Date(now - 90_000),
        source: 'online' as const,
      },
    ]);
    const exits: ScanInput[] = tickets
      .filter((_, i) => i % 2 === 0)
      .map((tk, i) => ({
        scanId: `c-${tk.id}-3`,
        code: tk.code,
        gateId: gates[i % 3].id,
        deviceId: null,
        eventId: f.eventId,
        direction: 'exit' as const,
        scannedAt: new Date(now - 30_000),
        source: 'online' as const,
      }));
    const reentries: ScanInput[] = tickets
      .filter((_, i) => i % 4 === 0)
      .map((tk, i) => ({
        scanId: `c-${tk.id}-4`,
        code: tk.code,
        gateId: gates[(i + 2) % 3].id,
        deviceId: null,
        eventId: f.eventId,
        direction: 'entry' as const,
        scannedAt: new Date(now),
        source: 'online' as const,
      }));
    const run = async (all: ScanInput[]) => {
      const chunks = Array.from({ length: 16 }, (_, c) => all.filter((_, i) => i % 16 === c));
      await Promise.all(
        chunks.map((chunk, c) => withTenant(h.db, t.tenantId, (tx) => applyScans(tx, t.tenantId, chunk, c % 8))),
      );
    };
    for (const wave of [scans, exits, reentries]) await run(wave);

    const truth = await presenceTruth(f.eventId);
    expect(truth).toMatchObject({ admitted: 400, inside: 300 });
    const counts = await withTenant(h.db, t.tenantId, (tx) => eventCounts(tx, f.eventId));
    expect({ inside: counts?.inside, admitted: counts?.admitted }).toEqual({
      inside: truth.inside,
      admitted: truth.admitted,
    });
    for (const g of counts?.gates ?? [])
      expect({ inside: g.inside, admitted: g.admitted }).toEqual(truth.gates[g.gate_id]);
    // The rate graph counts every successful entry, re-entries included, by the minute it was scanned.
    expect(counts?.per_minute.reduce((n, m) => n + m.count, 0)).toBe(400 + 100);
  });
});

describe('a batch written without a transaction', () => {
  let connection: ClientBase;
  beforeAll(async () => {
    connection = (await h.db.client.acquireRawConnection()) as ClientBase;
    await connection.query("select set_config('app.tenant_id', $1, false)", [t.tenantId]);
  });
  afterAll(async () => {
    await h.db.client.destroyRawConnection(connection);
  });

  const entry = (f: { eventId: number }, gateId: number, code: string, scanId: string): ScanInput => ({
    scanId,
    code,
    gateId,
    deviceId: null,
    eventId: f.eventId,
    direction: 'entry',
    scannedAt: new Date(),
    source: 'online',
  });
  const storedScans = async (eventId: number) =>
    h.owner('checkin_scans').where({ event_id: eventId }).orderBy('scan_id').select('scan_id', 'verdict', 'reason');
  /**
   * Resolves once the batch's write statement waits on a row another transaction holds. Found by
   * its backend: pg_stat_activity shows only the first kilobyte of a statement's text.
   */
  const writeBlocked = () =>
    eventually(
      async () => {
        const { rows } = await h.owner.raw<{ rows: unknown[] }>(
          "select 1 from pg_stat_activity where wait_event_type = 'Lock' and pid = ?",
          [(connection as unknown as { processID: number }).processID],
        );
        return rows.length > 0;
      },
      { what: 'the batch write to wait on a lock' },
    );

  it('admits fresh tickets in one statement and leaves batches that may raise an alert to a transaction', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const gate = await createGate(t, f.eventId);
    const vip = await createGate(t, f.eventId, { is_vip: true });
    const [a, b, c] = await seedTickets(h.owner, t.tenantId, f, 3);

    const first = await applyScansAutocommit(
      connection,
      t.tenantId,
      [entry(f, gate.id, a.code, 'n1'), entry(f, gate.id, 'NO-SUCH', 'n2'), entry(f, gate.id, a.code, 'n1')],
      0,
    );
    expect(first?.outcomes.map((o) => [o.scanId, o.verdict, o.replayed])).toEqual([
      ['n1', 'success', false],
      ['n2', 'invalid', false],
      ['n1', 'success', false],
    ]);
    // A ticket already admitted, the same ticket twice, a VIP arrival: each comes with an alert.
    expect(await applyScansAutocommit(connection, t.tenantId, [entry(f, gate.id, a.code, 'n3')], 0)).toBeUndefined();
    expect(
      await applyScansAutocommit(
        connection,
        t.tenantId,
        [entry(f, gate.id, b.code, 'n4'), entry(f, gate.id, b.code, 'n5')],
        0,
      ),
    ).toBeUndefined();
    expect(await applyScansAutocommit(connection, t.tenantId, [entry(f, vip.id, c.code, 'n6')], 0)).toBeUndefined();
    expect(await storedScans(f.eventId)).toEqual([
      { scan_id: 'n1', verdict: 'success', reason: null },
      { scan_id: 'n2', verdict: 'invalid', reason: 'unknown_code' },
    ]);
    const replay = await applyScansAutocommit(connection, t.tenantId, [entry(f, gate.id, a.code, 'n1')], 0);
    expect(replay?.outcomes.map((o) => [o.verdict, o.replayed])).toEqual([['success', true]]);
  });

  /** The prepared statements a call runs on the connection, in order: its round trips to Postgres. */
  const statementsOf = async <T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> => {
    const spy = jest.spyOn(connection, 'query');
    try {
      const result = await fn();
      const statements = spy.mock.calls
        .map(([q]) => (q as unknown as { name?: string }).name)
        .filter((n): n is string => !!n);
      return { result, statements };
    } finally {
      spy.mockRestore();
    }
  };

  it('admits fresh tickets and lets people out in one statement; refusals and re-sent scans take a second', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const gate = await createGate(t, f.eventId);
    const [a, b, c, d] = await seedTickets(h.owner, t.tenantId, f, 4);
    const exit = (code: string, scanId: string): ScanInput => ({
      ...entry(f, gate.id, code, scanId),
      direction: 'exit',
    });

    const fresh = await statementsOf(() =>
      applyScansAutocommit(
        connection,
        t.tenantId,
        [entry(f, gate.id, a.code, 'o1'), entry(f, gate.id, b.code, 'o2')],
        0,
      ),
    );
    expect(fresh.statements).toEqual(['usher_checkin_fast']);
    expect(fresh.result?.outcomes.map((o) => [o.scanId, o.verdict, o.ticket?.holder_name])).toEqual([
      ['o1', 'success', 'Holder 1'],
      ['o2', 'success', 'Holder 2'],
    ]);

    const mixed = await statementsOf(() =>
      applyScansAutocommit(
        connection,
        t.tenantId,
        [exit(a.code, 'o3'), entry(f, gate.id, c.code, 'o4'), exit(d.code, 'o5')],
        0,
      ),
    );
    expect(mixed.statements).toEqual(['usher_checkin_fast']);
    expect(mixed.result?.outcomes.map((o) => [o.scanId, o.verdict, o.reason])).toEqual([
      ['o3', 'success', null],
      ['o4', 'success', null],
      ['o5', 'invalid', 'not_inside'],
    ]);

    // A refusal or a re-sent scan id in the batch: the first statement only reads, the second writes.
    const refused = await statementsOf(() =>
      applyScansAutocommit(
        connection,
        t.tenantId,
        [entry(f, gate.id, 'NO-SUCH', 'o6'), exit(b.code, 'o7'), entry(f, gate.id, a.code, 'o1')],
        0,
      ),
    );
    expect(refused.statements).toEqual(['usher_checkin_fast', 'usher_checkin_write']);
    expect(refused.result?.outcomes.map((o) => [o.scanId, o.verdict, o.reason, o.replayed])).toEqual([
      ['o6', 'invalid', 'unknown_code', false],
      ['o7', 'success', null, false],
      ['o1', 'success', null, true],
    ]);

    expect(await storedScans(f.eventId)).toEqual([
      { scan_id: 'o1', verdict: 'success', reason: null },
      { scan_id: 'o2', verdict: 'success', reason: null },
      { scan_id: 'o3', verdict: 'success', reason: null },
      { scan_id: 'o4', verdict: 'success', reason: null },
      { scan_id: 'o5', verdict: 'invalid', reason: 'not_inside' },
      { scan_id: 'o6', verdict: 'invalid', reason: 'unknown_code' },
      { scan_id: 'o7', verdict: 'success', reason: null },
    ]);
    expect(await presenceTruth(f.eventId)).toMatchObject({ admitted: 3, inside: 1 });
    const counts = await withTenant(h.db, t.tenantId, (tx) => eventCounts(tx, f.eventId));
    expect(counts).toMatchObject({ inside: 1, admitted: 3 });
    const [billed] = await h
      .owner('usage_records')
      .where({ tenant_id: t.tenantId, meter: 'checkin.scan' })
      .whereIn('idempotency_key', ['checkin.scan:o1', 'checkin.scan:o3', 'checkin.scan:o6'])
      .select(h.owner.raw('sum(quantity)::int as n'));
    expect(billed.n).toBe(7);
  });

  it('reads tickets and gates in the statement that writes: a ticket voided, resold or issued and a gate closed just before are decided as they are now', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const gate = await createGate(t, f.eventId);
    const [a, b, c, d] = await seedTickets(h.owner, t.tenantId, f, 4);
    const first = await applyScansAutocommit(connection, t.tenantId, [entry(f, gate.id, a.code, 'v1')], 0);
    expect(first?.outcomes.map((o) => o.verdict)).toEqual(['success']);

    // Resold: the old code is voided and a new one issued to the buyer.
    await h.owner('tickets').where({ id: b.id }).update({ status: 'voided', updated_at: h.owner.fn.now() });
    const [resold] = await seedTickets(h.owner, t.tenantId, f, 1, { prefix: `RESOLD${b.id}X` });
    await h.owner('tickets').where({ id: c.id }).update({ status: 'cancelled', updated_at: h.owner.fn.now() });
    const after = await applyScansAutocommit(
      connection,
      t.tenantId,
      [entry(f, gate.id, b.code, 'v2'), entry(f, gate.id, resold.code, 'v3'), entry(f, gate.id, c.code, 'v4')],
      0,
    );
    expect(after?.outcomes.map((o) => [o.scanId, o.verdict, o.reason])).toEqual([
      ['v2', 'invalid', 'voided'],
      ['v3', 'success', null],
      ['v4', 'cancelled', null],
    ]);

    await h.owner('checkin_gates').where({ id: gate.id }).update({ status: 'closed' });
    const closed = await applyScansAutocommit(connection, t.tenantId, [entry(f, gate.id, d.code, 'v5')], 0);
    expect(closed?.outcomes.map((o) => [o.verdict, o.reason])).toEqual([['invalid', 'gate_closed']]);
    expect(await h.owner('checkin_presence').where({ ticket_id: d.id })).toHaveLength(0);
  });

  it('writes nothing when a ticket is cancelled between its read and its write, and the transaction then refuses it', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const gate = await createGate(t, f.eventId);
    const [a, b] = await seedTickets(h.owner, t.tenantId, f, 2);
    const cancel = await h.owner.transaction();
    await cancel('tickets').where({ id: a.id }).update({ status: 'cancelled' });
    const batch = [entry(f, gate.id, a.code, 's1'), entry(f, gate.id, b.code, 's2')];
    const pending = applyScansAutocommit(connection, t.tenantId, batch, 0);
    await writeBlocked();
    await cancel.commit();
    expect(await pending).toBeUndefined();
    expect(await storedScans(f.eventId)).toEqual([]);
    expect(await h.owner('checkin_presence').where({ event_id: f.eventId }).count({ n: '*' })).toEqual([{ n: 0 }]);

    const { outcomes } = await withTenant(h.db, t.tenantId, (tx) => applyScans(tx, t.tenantId, batch, 0));
    expect(outcomes.map((o) => [o.scanId, o.verdict])).toEqual([
      ['s1', 'cancelled'],
      ['s2', 'success'],
    ]);
  });

  it('writes nothing when another process admits the ticket first, and the transaction then raises the alert', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const gate = await createGate(t, f.eventId);
    const [a] = await seedTickets(h.owner, t.tenantId, f, 1);
    const other = await h.owner.transaction();
    await other('checkin_presence').insert({
      ticket_id: a.id,
      tenant_id: t.tenantId,
      event_id: f.eventId,
      ticket_type_id: f.ticketTypeId,
      gate_id: gate.id,
      first_scan_id: 'elsewhere',
      first_gate_id: gate.id,
      first_admitted_at: new Date(),
    });
    const pending = applyScansAutocommit(connection, t.tenantId, [entry(f, gate.id, a.code, 'r1')], 0);
    await writeBlocked();
    await other.commit();
    expect(await pending).toBeUndefined();
    expect(await storedScans(f.eventId)).toEqual([]);
    const [usage] = await h
      .owner('usage_records')
      .where({ tenant_id: t.tenantId, idempotency_key: 'checkin.scan:r1' })
      .select('id');
    expect(usage).toBeUndefined();

    const { outcomes, alerts } = await withTenant(h.db, t.tenantId, (tx) =>
      applyScans(tx, t.tenantId, [entry(f, gate.id, a.code, 'r1')], 0),
    );
    expect(outcomes.map((o) => o.verdict)).toEqual(['already_checked_in']);
    expect(alerts.map((x) => x.kind)).toEqual(['suspicious']);
  });
});

describe('the group-commit batcher', () => {
  it('starts another batch for scans that waited too long behind a stalled one', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const gate = await createGate(t, f.eventId);
    const [a, b] = await seedTickets(h.owner, t.tenantId, f, 2);
    const batcher = new ScanBatcher(
      h.db,
      createLogger('batcher-test', 'silent'),
      { maxBatch: 100, maxInFlight: 2, minParallelBatch: 1000, maxWaitMs: 50 },
      () => undefined,
    );
    const scan = (code: string, scanId: string): ScanInput => ({
      scanId,
      code,
      gateId: gate.id,
      deviceId: null,
      eventId: f.eventId,
      direction: 'entry',
      scannedAt: new Date(),
      source: 'online',
    });
    // Another transaction holds ticket a's row: the batch admitting it waits on the lock.
    const holder = await h.owner.transaction();
    await holder('tickets').where({ id: a.id }).update({ holder_name: 'Held' });
    let stalledDone = false;
    const stalled = batcher.submit(t.tenantId, scan(a.code, 'w1')).finally(() => {
      stalledDone = true;
    });
    await eventually(
      async () =>
        batcher.pending === 1 &&
        (await h.owner.raw<{ rows: unknown[] }>("select 1 from pg_stat_activity where wait_event_type = 'Lock'")).rows
          .length > 0,
      { what: 'the first batch to wait on the lock' },
    );

    const next = await batcher.submit(t.tenantId, scan(b.code, 'w2'));
    expect(next.verdict).toBe('success');
    expect(stalledDone).toBe(false);
    await holder.commit();
    expect((await stalled).verdict).toBe('success');
    await batcher.drain();
    await batcher.close();
  });
});
