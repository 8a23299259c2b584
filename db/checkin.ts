import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from './connection';
import { emit } from './outbox';
import { queueEmail } from './mail';
import { getModule, recordUsage } from './platform';
import { INCLUDED_SCANNER_DEVICES, meterAmount } from '../domain/platform/plans';
import { levelsReached, precheck, type Direction, type Reason, type Verdict } from '../domain/checkin/verdict';

export type ScanSource = 'online' | 'offline' | 'http';

export interface ScanInput {
  scanId: string;
  code: string;
  gateId: number;
  deviceId: number | null;
  /** The event the device (or caller) is checking in for; a gate of another event is refused. */
  eventId: number;
  direction: Direction;
  scannedAt: Date;
  source: ScanSource;
}

export interface ScanOutcome {
  scanId: string;
  verdict: Verdict;
  reason: Reason | null;
  direction: Direction;
  eventId: number;
  gateId: number;
  ticket: { id: number; holder_name: string | null; ticket_type: string; ticket_type_id: number } | null;
  firstAdmission: { at: string; gate_id: number | null } | null;
  suspicious: boolean;
  /** The scan id was seen before: this is the stored verdict, nothing was counted again. */
  replayed: boolean;
}

export interface AlertRow {
  id: number; tenant_id: string; event_id: number; gate_id: number | null;
  kind: 'capacity' | 'suspicious' | 'vip_arrival' | 'device_offline';
  dedupe_key: string; message: string; payload: Record<string, unknown>; created_at: Date;
}

export interface BatchResult {
  outcomes: ScanOutcome[];
  alerts: AlertRow[];
}

interface TicketLookup {
  id: number; code: string; event_id: number; ticket_type_id: number; status: 'valid' | 'cancelled' | 'voided' | 'transferred';
  holder_name: string | null; ticket_type: string;
}
interface GateLookup { id: number; event_id: number; status: 'open' | 'closed'; ticket_type_ids: number[] | null; is_vip: boolean; name: string }
interface PresenceLookup { ticket_id: number; inside: boolean; first_admitted_at: Date; first_gate_id: number | null; first_scan_id: string }
interface StoredScan { scan_id: string; verdict: Verdict; reason: Reason | null; direction: Direction; suspicious: boolean; scanned_at: Date }

const ticketView = (t: TicketLookup | undefined): ScanOutcome['ticket'] =>
  t ? { id: t.id, holder_name: t.holder_name, ticket_type: t.ticket_type, ticket_type_id: t.ticket_type_id } : null;

async function rows<T>(tx: Tx, sql: string, bindings: unknown[]): Promise<T[]> {
  return (await tx.raw<{ rows: T[] }>(sql, bindings as never)).rows;
}

/**
 * Applies a batch of one tenant's scans in the caller's transaction. Postgres decides admissions:
 * the presence row per ticket is inserted (or re-opened for re-entry) at most once, and the scan id
 * is unique, so re-sent scans and concurrent realtime processes never admit a ticket twice. The
 * caller commits before any verdict is shown.
 */
export async function applyScans(tx: Tx, tenantId: string, input: ScanInput[]): Promise<BatchResult> {
  const unique = new Map<string, ScanInput>();
  for (const s of input) if (!unique.has(s.scanId)) unique.set(s.scanId, s);
  const scans = [...unique.values()];
  const scanIds = scans.map((s) => s.scanId);

  const stored = new Map((await rows<StoredScan>(tx,
    'select scan_id, verdict, reason, direction, suspicious, scanned_at from checkin_scans where tenant_id = ? and scan_id = any(?)',
    [tenantId, scanIds])).map((r) => [r.scan_id, r]));
  const fresh = scans.filter((s) => !stored.has(s.scanId));

  // Shared row locks keep a ticket from being voided, transferred or cancelled until this batch commits.
  const tickets = new Map((await rows<TicketLookup>(tx, `
    select t.id, t.code, t.event_id, t.ticket_type_id, t.status, coalesce(t.holder_name, c.name) as holder_name, tt.name as ticket_type
    from tickets t join ticket_types tt on tt.id = t.ticket_type_id join customers c on c.id = t.customer_id
    where t.tenant_id = ? and t.code = any(?) for share of t`, [tenantId, [...new Set(scans.map((s) => s.code))]])).map((t) => [t.code, t]));
  const gates = new Map((await rows<GateLookup>(tx,
    'select id, event_id, status, ticket_type_ids, is_vip, name from checkin_gates where tenant_id = ? and id = any(?)',
    [tenantId, [...new Set(fresh.map((s) => s.gateId))]])).map((g) => [g.id, g]));

  const outcomes = new Map<string, ScanOutcome>();
  const candidates = new Map<number, ScanInput>();
  const exits = new Map<number, ScanInput>();
  const laterEntries: ScanInput[] = [];
  for (const s of fresh) {
    const ticket = tickets.get(s.code);
    const gate = gates.get(s.gateId);
    const base = { scanId: s.scanId, direction: s.direction, eventId: s.eventId, gateId: s.gateId, ticket: ticketView(ticket), firstAdmission: null, suspicious: false, replayed: false };
    if (!gate || gate.event_id !== s.eventId) {
      outcomes.set(s.scanId, { ...base, verdict: 'invalid', reason: 'wrong_event' });
      continue;
    }
    const check = precheck(ticket && { eventId: ticket.event_id, ticketTypeId: ticket.ticket_type_id, status: ticket.status },
      { eventId: gate.event_id, status: gate.status, ticketTypeIds: gate.ticket_type_ids?.map(Number) ?? null }, s.direction);
    if (check.verdict !== 'admissible') {
      outcomes.set(s.scanId, { ...base, verdict: check.verdict, reason: check.reason ?? null });
      continue;
    }
    const ticketId = (ticket as TicketLookup).id;
    if (s.direction === 'exit') exits.set(ticketId, s);
    else if (candidates.has(ticketId)) laterEntries.push(s);
    else candidates.set(ticketId, s);
  }

  // Sorted by ticket so concurrent batches take row locks in the same order and cannot deadlock.
  const entryList = [...candidates.entries()].sort((a, b) => a[0] - b[0]);
  const admitted = new Set((await rows<{ ticket_id: number }>(tx, `
    insert into checkin_presence as p (ticket_id, tenant_id, event_id, ticket_type_id, gate_id, first_scan_id, first_gate_id, first_admitted_at)
    select u.ticket_id, ?, u.event_id, u.ticket_type_id, u.gate_id, u.scan_id, u.gate_id, u.scanned_at
    from unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::timestamptz[])
      as u (ticket_id, event_id, ticket_type_id, gate_id, scan_id, scanned_at)
    on conflict (ticket_id) do update set inside = true, entries = p.entries + 1, gate_id = excluded.gate_id, changed_at = now()
      where not p.inside and (select e.allow_reentry from events e where e.id = p.event_id)
    returning ticket_id`, [
    tenantId, entryList.map(([id]) => id), entryList.map(([, s]) => s.eventId),
    entryList.map(([, s]) => (tickets.get(s.code) as TicketLookup).ticket_type_id), entryList.map(([, s]) => s.gateId),
    entryList.map(([, s]) => s.scanId), entryList.map(([, s]) => s.scannedAt.toISOString()),
  ])).map((r) => r.ticket_id));

  const exitIds = [...exits.keys()].sort((a, b) => a - b);
  const exited = new Set(exitIds.length ? (await rows<{ ticket_id: number }>(tx,
    'update checkin_presence set inside = false, changed_at = now() where ticket_id = any(?) and inside returning ticket_id', [exitIds])).map((r) => r.ticket_id) : []);

  const refusedIds = [...entryList.filter(([id]) => !admitted.has(id)).map(([id]) => id), ...laterEntries.map((s) => (tickets.get(s.code) as TicketLookup).id)];
  const presence = new Map(refusedIds.length ? (await rows<PresenceLookup>(tx,
    'select ticket_id, inside, first_admitted_at, first_gate_id, first_scan_id from checkin_presence where ticket_id = any(?)', [refusedIds])).map((p) => [p.ticket_id, p]) : []);

  const firstScansToFlag: string[] = [];
  const suspiciousTickets = new Map<number, ScanInput>();
  const vipArrivals: ScanInput[] = [];
  const entryOutcome = (s: ScanInput, success: boolean): ScanOutcome => {
    const ticket = tickets.get(s.code) as TicketLookup;
    const base = { scanId: s.scanId, direction: s.direction, eventId: s.eventId, gateId: s.gateId, ticket: ticketView(ticket), replayed: false };
    if (success) {
      if (gates.get(s.gateId)?.is_vip) vipArrivals.push(s);
      return { ...base, verdict: 'success', reason: null, firstAdmission: null, suspicious: false };
    }
    const first = presence.get(ticket.id);
    const firstInBatch = candidates.get(ticket.id);
    const firstAdmission = first
      ? { at: first.first_admitted_at.toISOString(), gate_id: first.first_gate_id === null ? null : Number(first.first_gate_id) }
      : { at: (firstInBatch as ScanInput).scannedAt.toISOString(), gate_id: (firstInBatch as ScanInput).gateId };
    firstScansToFlag.push(first?.first_scan_id ?? (firstInBatch as ScanInput).scanId);
    suspiciousTickets.set(ticket.id, s);
    const reason: Reason | null = first && !first.inside ? 'reentry_not_allowed' : null;
    return { ...base, verdict: 'already_checked_in', reason, firstAdmission, suspicious: true };
  };
  for (const [id, s] of entryList) outcomes.set(s.scanId, entryOutcome(s, admitted.has(id)));
  for (const s of laterEntries) outcomes.set(s.scanId, entryOutcome(s, false));
  for (const [id, s] of exits) {
    const ok = exited.has(id);
    outcomes.set(s.scanId, { scanId: s.scanId, direction: 'exit', eventId: s.eventId, gateId: s.gateId, ticket: ticketView(tickets.get(s.code)),
      verdict: ok ? 'success' : 'invalid', reason: ok ? null : 'not_inside', firstAdmission: null, suspicious: false, replayed: false });
  }

  const toInsert = fresh.sort((a, b) => (a.scanId < b.scanId ? -1 : 1));
  const inserted = new Set((await rows<{ scan_id: string }>(tx, `
    insert into checkin_scans (tenant_id, event_id, scan_id, code, ticket_id, gate_id, device_id, direction, verdict, reason, source, suspicious, scanned_at)
    select ?, u.* from unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::timestamptz[]) as u
    on conflict (tenant_id, scan_id) do nothing returning scan_id`, [
    tenantId, toInsert.map((s) => s.eventId), toInsert.map((s) => s.scanId), toInsert.map((s) => s.code),
    toInsert.map((s) => tickets.get(s.code)?.id ?? null), toInsert.map((s) => (gates.has(s.gateId) ? s.gateId : null)),
    toInsert.map((s) => s.deviceId), toInsert.map((s) => s.direction),
    toInsert.map((s) => (outcomes.get(s.scanId) as ScanOutcome).verdict), toInsert.map((s) => (outcomes.get(s.scanId) as ScanOutcome).reason),
    toInsert.map((s) => s.source), toInsert.map((s) => (outcomes.get(s.scanId) as ScanOutcome).suspicious), toInsert.map((s) => s.scannedAt.toISOString()),
  ])).map((r) => r.scan_id));

  // A twin with the same scan id committed first (another process): its verdict stands.
  const raced = toInsert.filter((s) => !inserted.has(s.scanId)).map((s) => s.scanId);
  if (raced.length) {
    for (const r of await rows<StoredScan>(tx, 'select scan_id, verdict, reason, direction, suspicious, scanned_at from checkin_scans where tenant_id = ? and scan_id = any(?)', [tenantId, raced])) stored.set(r.scan_id, r);
  }
  if (firstScansToFlag.length) {
    await tx.raw('update checkin_scans set suspicious = true where tenant_id = ? and scan_id = any(?) and not suspicious', [tenantId, [...new Set(firstScansToFlag)]]);
  }

  const billable = toInsert.filter((s) => inserted.has(s.scanId));
  if (billable.length) {
    // Each scan is billed once, keyed by its scan id, in the same commit as the scan itself.
    const now = new Date();
    await tx.raw(`
      insert into usage_records (tenant_id, meter, period, quantity, amount_minor, idempotency_key, occurred_at)
      select ?, 'checkin.scan', ?, 1, ?, k, ? from unnest(?::text[]) as k
      on conflict (tenant_id, idempotency_key) do nothing`,
    [tenantId, now.toISOString().slice(0, 7), meterAmount('checkin.scan', 1), now.toISOString(), billable.map((s) => `checkin.scan:${s.scanId}`)]);
  }

  const alerts = await raiseAlerts(tx, tenantId, [
    ...[...suspiciousTickets].filter(([, s]) => inserted.has(s.scanId)).map(([ticketId, s]): NewAlert => ({
      eventId: s.eventId, gateId: gates.has(s.gateId) ? s.gateId : null, kind: 'suspicious', dedupeKey: `suspicious:${ticketId}`,
      message: `Ticket ${ticketId} was scanned again after its admission`, payload: { ticket_id: ticketId, scan_id: s.scanId, source: s.source },
    })),
    ...vipArrivals.map((s): NewAlert => {
      const ticket = tickets.get(s.code) as TicketLookup;
      return {
        eventId: s.eventId, gateId: s.gateId, kind: 'vip_arrival', dedupeKey: `vip:${ticket.id}:${s.scanId}`,
        message: `VIP ${ticket.holder_name ?? ''} (${ticket.ticket_type}) arrived at ${gates.get(s.gateId)?.name ?? 'a VIP gate'}`,
        payload: { ticket_id: ticket.id, holder_name: ticket.holder_name, ticket_type: ticket.ticket_type },
      };
    }),
  ]);

  const result = (s: ScanInput): ScanOutcome => {
    const prior = stored.get(s.scanId);
    if (prior && !inserted.has(s.scanId)) {
      return { scanId: s.scanId, verdict: prior.verdict, reason: prior.reason, direction: prior.direction, eventId: s.eventId, gateId: s.gateId,
        ticket: ticketView(tickets.get(s.code)), firstAdmission: null, suspicious: prior.suspicious, replayed: true };
    }
    return outcomes.get(s.scanId) as ScanOutcome;
  };
  return { outcomes: input.map(result), alerts };
}

export interface NewAlert {
  eventId: number;
  gateId: number | null;
  kind: AlertRow['kind'];
  dedupeKey: string;
  message: string;
  payload: Record<string, unknown>;
}

/**
 * Records alerts once per dedupe key and hands each new one on: a `checkin.alert` domain event
 * (tenant webhooks) and an e-mail to the check-in module's `alert_email` setting when there is one.
 */
export async function raiseAlerts(tx: Tx, tenantId: string, alerts: NewAlert[]): Promise<AlertRow[]> {
  if (!alerts.length) return [];
  const created: AlertRow[] = await tx('checkin_alerts').insert(alerts.map((a) => ({
    tenant_id: tenantId, event_id: a.eventId, gate_id: a.gateId, kind: a.kind, dedupe_key: a.dedupeKey, message: a.message, payload: JSON.stringify(a.payload),
  }))).onConflict(['tenant_id', 'dedupe_key']).ignore().returning('*');
  if (!created.length) return [];
  await emit(tx, tenantId, created.map((row) => ({ type: 'checkin.alert', aggregateType: 'event', aggregateId: row.event_id, payload: toAlertPayload(row) })));
  const settings = (await getModule(tx, 'checkin'))?.settings;
  const to = typeof settings?.alert_email === 'string' ? settings.alert_email : undefined;
  if (to) {
    for (const row of created) {
      await queueEmail(tx, tenantId, { idempotencyKey: `checkin-alert-${row.id}`, to, subject: `Check-in alert: ${row.kind.replace('_', ' ')}`, text: row.message });
    }
  }
  return created;
}

export function toAlertPayload(a: AlertRow): Record<string, unknown> {
  return { id: a.id, event_id: a.event_id, gate_id: a.gate_id, kind: a.kind, message: a.message, payload: a.payload, created_at: new Date(a.created_at).toISOString() };
}

export interface GateCount { gate_id: number; name: string; capacity_limit: number | null; status: 'open' | 'closed'; is_vip: boolean; inside: number; admitted: number }
export interface EventCounts {
  event_id: number; capacity: number; sold: number; inside: number; admitted: number;
  gates: GateCount[];
}

/** Who is in: totals and per gate (by the gate of the latest entry), with the event's capacity and tickets sold. */
export async function eventCounts(tx: Tx, eventId: number): Promise<EventCounts | undefined> {
  const event = await tx('events').where({ id: eventId }).first('id', 'capacity');
  if (!event) return undefined;
  const [{ sold }] = await rows<{ sold: number }>(tx, "select count(*)::int as sold from tickets where event_id = ? and status = 'valid'", [eventId]);
  const [totals] = await rows<{ inside: number; admitted: number }>(tx,
    'select count(*) filter (where inside)::int as inside, count(*)::int as admitted from checkin_presence where event_id = ?', [eventId]);
  const gates = await rows<GateCount>(tx, `
    select g.id::int as gate_id, g.name, g.capacity_limit, g.status, g.is_vip,
      (select count(*) from checkin_presence p where p.gate_id = g.id and p.inside)::int as inside,
      (select count(*) from checkin_presence p where p.first_gate_id = g.id)::int as admitted
    from checkin_gates g where g.event_id = ? order by g.id`, [eventId]);
  return { event_id: eventId, capacity: event.capacity, sold, inside: totals.inside, admitted: totals.admitted, gates };
}

/** Fires capacity alerts for each level newly crossed (event and each gate) and re-arms levels fallen below. */
export async function checkCapacity(tx: Tx, tenantId: string, counts: EventCounts): Promise<AlertRow[]> {
  const scopes = [{ gateId: 0, count: counts.inside, capacity: counts.capacity, name: 'the event' },
    ...counts.gates.map((g) => ({ gateId: g.gate_id, count: g.inside, capacity: g.capacity_limit, name: `gate ${g.name}` }))];
  const newAlerts: NewAlert[] = [];
  for (const scope of scopes) {
    const reached = levelsReached(scope.count, scope.capacity);
    await tx.raw('update checkin_alert_levels set above = false where event_id = ? and gate_id = ? and above and not (level = any(?))', [counts.event_id, scope.gateId, reached]);
    for (const level of reached) {
      const flipped = await rows<{ level: number }>(tx, `
        insert into checkin_alert_levels as l (tenant_id, event_id, gate_id, level, above) values (?, ?, ?, ?, true)
        on conflict (tenant_id, event_id, gate_id, level) do update set above = true where not l.above returning level`,
      [tenantId, counts.event_id, scope.gateId, level]);
      if (!flipped.length) continue;
      newAlerts.push({
        eventId: counts.event_id, gateId: scope.gateId || null, kind: 'capacity',
        dedupeKey: `capacity:${counts.event_id}:${scope.gateId}:${level}:${randomBytes(6).toString('hex')}`,
        message: `${scope.name} is at ${level}% of capacity (${scope.count}/${scope.capacity})`,
        payload: { level, count: scope.count, capacity: scope.capacity },
      });
    }
  }
  return raiseAlerts(tx, tenantId, newAlerts);
}

// ---- devices --------------------------------------------------------------------------------

export interface DeviceRow {
  id: number; tenant_id: string; event_id: number; device_name: string; device_uuid: string; gate_id: number | null;
  staff_ref: string | null; status: 'active' | 'inactive'; last_seen_at: Date | null; last_sync_at: Date | null;
  offline_alerted_at: Date | null; created_at: Date;
}

const DEVICE_TOKEN_PREFIX = 'usd_';
export const hashDeviceToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The token names its tenant so the realtime server can scope the lookup before it knows anything else. */
export function newDeviceToken(tenantId: string): { token: string; hash: string } {
  const token = `${DEVICE_TOKEN_PREFIX}${Buffer.from(tenantId).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashDeviceToken(token) };
}

export function tenantOfDeviceToken(token: string): string | undefined {
  const m = /^usd_([\w-]{1,200})\.[\w-]{32}$/.exec(token);
  return m ? Buffer.from(m[1], 'base64url').toString() : undefined;
}

export async function deviceByToken(tx: Tx, token: string): Promise<DeviceRow | undefined> {
  return tx('checkin_devices').where({ token_hash: hashDeviceToken(token) }).first();
}

/** Entry admissions per minute of scan time, for the rate graph and the rate. */
export async function admissionsPerMinute(tx: Tx, eventId: number, sinceMinutes: number): Promise<{ minute: Date; count: number }[]> {
  return rows<{ minute: Date; count: number }>(tx, `
    select date_trunc('minute', scanned_at) as minute, count(*)::int as count from checkin_scans
    where event_id = ? and verdict = 'success' and direction = 'entry' and scanned_at > now() - make_interval(mins => ?)
    group by 1 order by 1`, [eventId, sinceMinutes]);
}

/** One snapshot per event (gate null) and gate per minute, however many realtime processes write it. */
export async function snapshotCapacity(tx: Tx, tenantId: string, counts: EventCounts, at: Date): Promise<void> {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  const rowsToInsert = [{ gate_id: null as number | null, checked_in_count: counts.inside },
    ...counts.gates.map((g) => ({ gate_id: g.gate_id, checked_in_count: g.inside }))]
    .map((r) => ({ ...r, tenant_id: tenantId, event_id: counts.event_id, total_sold: counts.sold, snapshot_at: minute }));
  await tx('checkin_capacity_snapshots').insert(rowsToInsert).onConflict(['tenant_id', 'event_id', 'gate_id', 'snapshot_at']).ignore();
}

// ---- gates, staff, devices --------------------------------------------------------------------

export interface GateRow {
  id: number; tenant_id: string; event_id: number; name: string; location: string | null; capacity_limit: number | null;
  is_vip: boolean; ticket_type_ids: number[] | null; status: 'open' | 'closed'; created_at: Date; updated_at: Date;
}

export async function getGate(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<GateRow | undefined> {
  const q = tx('checkin_gates').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function insertGate(tx: Tx, tenantId: string, gate: Pick<GateRow, 'event_id' | 'name' | 'location' | 'capacity_limit' | 'is_vip' | 'ticket_type_ids'>): Promise<GateRow> {
  const [row] = await tx('checkin_gates').insert({ ...gate, tenant_id: tenantId }).returning('*');
  return row;
}

export async function updateGate(tx: Tx, id: number, patch: Partial<GateRow>): Promise<GateRow> {
  const [row] = await tx('checkin_gates').where({ id }).update({ ...patch, updated_at: tx.fn.now() }).returning('*');
  return row;
}

export async function listGates(tx: Tx, eventId: number): Promise<GateRow[]> {
  return tx('checkin_gates').where({ event_id: eventId }).orderBy('id');
}

export async function getDevice(tx: Tx, id: number): Promise<DeviceRow | undefined> {
  return tx('checkin_devices').where({ id }).first();
}

export async function listDevices(tx: Tx, eventId: number): Promise<DeviceRow[]> {
  return tx('checkin_devices').where({ event_id: eventId }).orderBy('id');
}

/** Registers a device (or re-registers the same uuid, which issues a new token). */
export async function upsertDevice(tx: Tx, tenantId: string, d: Pick<DeviceRow, 'event_id' | 'device_name' | 'device_uuid' | 'gate_id' | 'staff_ref'>): Promise<{ device: DeviceRow; token: string }> {
  const { token, hash } = newDeviceToken(tenantId);
  const [device] = await tx('checkin_devices').insert({ ...d, tenant_id: tenantId, token_hash: hash })
    .onConflict(['tenant_id', 'device_uuid']).merge({ ...d, token_hash: hash, status: 'active' }).returning('*');
  return { device, token };
}

/** Devices beyond the plan's included ones are billed once per device and month while in use. */
export async function meterExtraDevice(tx: Tx, tenantId: string, device: DeviceRow, at = new Date()): Promise<void> {
  const [{ rank }] = await rows<{ rank: number }>(tx, "select count(*)::int as rank from checkin_devices where status = 'active' and id <= ?", [device.id]);
  if (rank <= INCLUDED_SCANNER_DEVICES) return;
  await recordUsage(tx, tenantId, {
    meter: 'checkin.extra_device', quantity: 1, amountMinor: meterAmount('checkin.extra_device', 1),
    idempotencyKey: `checkin.extra_device:${device.id}:${at.toISOString().slice(0, 7)}`, metadata: { device_id: device.id }, at,
  });
}

// ---- manual lookup, manifest, statistics -----------------------------------------------------

export interface LookupRow {
  id: number; code: string; status: string; event_id: number; order_number: string; holder_name: string | null; holder_email: string | null;
  ticket_type: string; ticket_type_id: number;
}

const LOOKUP_SELECT = `select t.id, t.code, t.status, t.event_id, o.order_number, coalesce(t.holder_name, c.name) as holder_name,
  coalesce(t.holder_email, c.email) as holder_email, tt.name as ticket_type, t.ticket_type_id
  from tickets t join ticket_types tt on tt.id = t.ticket_type_id join customers c on c.id = t.customer_id join orders o on o.id = t.order_id`;

export async function lookupTicket(tx: Tx, code: string): Promise<LookupRow | undefined> {
  return (await rows<LookupRow>(tx, `${LOOKUP_SELECT} where t.code = ?`, [code]))[0];
}

/** Manual fallback at the desk: by part of the holder's or buyer's name or e-mail, or the exact order number. */
export async function searchTickets(tx: Tx, eventId: number, q: string, limit: number): Promise<LookupRow[]> {
  const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  return rows<LookupRow>(tx, `${LOOKUP_SELECT} where t.event_id = ? and (o.order_number = ? or c.name ilike ? or c.email ilike ?
    or t.holder_name ilike ? or t.holder_email ilike ?) order by t.id limit ?`, [eventId, q, like, like, like, like, limit]);
}

export async function presenceOf(tx: Tx, ticketId: number): Promise<PresenceLookup | undefined> {
  return tx('checkin_presence').where({ ticket_id: ticketId }).first('ticket_id', 'inside', 'first_admitted_at', 'first_gate_id', 'first_scan_id');
}

export async function scansOfTicket(tx: Tx, ticketId: number): Promise<{ scan_id: string; verdict: string; reason: string | null; direction: string; gate_id: number | null; source: string; suspicious: boolean; scanned_at: Date }[]> {
  return tx('checkin_scans').where({ ticket_id: ticketId }).orderBy('scanned_at').limit(100)
    .select('scan_id', 'verdict', 'reason', 'direction', 'gate_id', 'source', 'suspicious', 'scanned_at');
}

export interface ManifestRow { ticket_id: number; code: string; status: string; holder_name: string | null; ticket_type: string; ticket_type_id: number; updated_at: Date }

/** Tickets of an event changed after the cursor (`<epoch micros>:<id>`), oldest change first. */
export async function manifestPage(tx: Tx, eventId: number, cursor: { micros: number; id: number } | undefined, limit: number): Promise<(ManifestRow & { micros: number })[]> {
  const after = cursor ? 'and (floor(extract(epoch from t.updated_at) * 1000000)::bigint, t.id) > (?::bigint, ?::bigint)' : '';
  return rows<ManifestRow & { micros: number }>(tx, `
    select t.id as ticket_id, t.code, t.status, coalesce(t.holder_name, c.name) as holder_name, tt.name as ticket_type, t.ticket_type_id,
      floor(extract(epoch from t.updated_at) * 1000000)::bigint as micros
    from tickets t join ticket_types tt on tt.id = t.ticket_type_id join customers c on c.id = t.customer_id
    where t.event_id = ? ${after}
    order by floor(extract(epoch from t.updated_at) * 1000000)::bigint, t.id limit ?`,
  cursor ? [eventId, cursor.micros, cursor.id, limit] : [eventId, limit]);
}

export async function eventStats(tx: Tx, eventId: number) {
  const perGate = await rows<{ gate_id: number | null; name: string | null; admitted: number; refused: number }>(tx, `
    select s.gate_id, g.name, count(*) filter (where s.verdict = 'success' and s.direction = 'entry')::int as admitted,
      count(*) filter (where s.verdict <> 'success')::int as refused
    from checkin_scans s left join checkin_gates g on g.id = s.gate_id where s.event_id = ? group by s.gate_id, g.name order by s.gate_id nulls last`, [eventId]);
  const perType = await rows<{ ticket_type_id: number; name: string; sold: number; admitted: number }>(tx, `
    select tt.id as ticket_type_id, tt.name,
      (select count(*) from tickets t where t.ticket_type_id = tt.id and t.status = 'valid')::int as sold,
      (select count(*) from checkin_presence p where p.ticket_type_id = tt.id)::int as admitted
    from ticket_types tt where tt.event_id = ? order by tt.id`, [eventId]);
  const verdicts = await rows<{ verdict: string; n: number }>(tx, 'select verdict, count(*)::int as n from checkin_scans where event_id = ? group by verdict', [eventId]);
  const perMinute = await rows<{ minute: Date; count: number }>(tx, `
    select date_trunc('minute', scanned_at) as minute, count(*)::int as count from checkin_scans
    where event_id = ? and verdict = 'success' and direction = 'entry' group by 1 order by 1`, [eventId]);
  const snapshots = await rows<{ gate_id: number | null; checked_in_count: number; total_sold: number; snapshot_at: Date }>(tx, `
    select gate_id, checked_in_count, total_sold, snapshot_at from checkin_capacity_snapshots where event_id = ? order by snapshot_at desc, gate_id nulls first limit 500`, [eventId]);
  return { perGate, perType, verdicts, perMinute, snapshots };
}

export async function gateScanStats(tx: Tx, gateId: number) {
  const verdicts = await rows<{ verdict: string; n: number }>(tx, 'select verdict, count(*)::int as n from checkin_scans where gate_id = ? group by verdict', [gateId]);
  const perMinute = await rows<{ minute: Date; count: number }>(tx, `
    select date_trunc('minute', scanned_at) as minute, count(*)::int as count from checkin_scans
    where gate_id = ? and verdict = 'success' and direction = 'entry' group by 1 order by 1`, [gateId]);
  return { verdicts, perMinute };
}
