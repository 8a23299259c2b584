import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { ClientBase } from 'pg';
import { connectionOf, prepared, type Tx } from './connection';
import { emit } from './outbox';
import { queueEmails } from './mail';
import { getModule, recordUsage } from './platform';
import { INCLUDED_SCANNER_DEVICES, meterAmount } from '../domain/platform/plans';
import { levelsReached, precheck, type Direction, type Reason, type Verdict } from '../domain/checkin/verdict';
import { SCAN_BATCH_RERUN } from './migrations/0011_scan_batch_guard';

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
  id: number;
  tenant_id: string;
  event_id: number;
  gate_id: number | null;
  kind: 'capacity' | 'suspicious' | 'vip_arrival' | 'device_offline';
  dedupe_key: string;
  message: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export interface BatchResult {
  outcomes: ScanOutcome[];
  alerts: AlertRow[];
}

interface TicketLookup {
  id: number;
  code: string;
  event_id: number;
  ticket_type_id: number;
  status: 'valid' | 'cancelled' | 'voided' | 'transferred';
  holder_name: string | null;
  ticket_type: string;
  /** Admitted before: another entry scan would be refused and raise an alert. */
  present: boolean;
}
interface GateLookup {
  id: number;
  event_id: number;
  status: 'open' | 'closed';
  ticket_type_ids: number[] | null;
  is_vip: boolean;
  name: string;
}
interface PresenceLookup {
  ticket_id: number;
  inside: boolean;
  first_admitted_at: Date;
  first_gate_id: number | null;
  first_scan_id: string;
}
interface StoredScan {
  scan_id: string;
  verdict: Verdict;
  reason: Reason | null;
  direction: Direction;
  suspicious: boolean;
}

const ticketView = (t: TicketLookup | undefined): ScanOutcome['ticket'] =>
  t ? { id: t.id, holder_name: t.holder_name, ticket_type: t.ticket_type, ticket_type_id: t.ticket_type_id } : null;

async function rows<T>(tx: Tx, sql: string, bindings: unknown[]): Promise<T[]> {
  return (await tx.raw<{ rows: T[] }>(sql, bindings as never)).rows;
}

/** How a fresh scan takes part in the write statement of a batch. */
type Role = 'final' | 'entry' | 'later' | 'exit';

interface WriteRow {
  scan: ScanInput;
  role: Role;
  ticket: TicketLookup | undefined;
  /** Set when the verdict was decided before touching presence (role `final`). */
  verdict?: Verdict;
  reason?: Reason | null;
}

interface WrittenScan {
  scan_id: string;
  verdict: Verdict;
  reason: Reason | null;
  suspicious: boolean;
  inserted: boolean;
  first_at: string | null;
  first_gate_id: number | null;
  first_known: boolean;
}

interface BatchRead {
  stored: StoredScan[];
  tickets: TicketLookup[];
  gates: GateLookup[];
}

/** Shards of the live counters; each in-flight batch of a process writes its own. */
export const COUNTER_SHARDS = 8;

/**
 * What a batch's scans refer to, as CTEs `stored`, `ticket` and `gate`: scans already stored,
 * tickets (with `present`: admitted before) and gates. Inside a transaction the tickets are
 * share-locked (`lock`), so none is voided, transferred or cancelled until it commits.
 */
const readSteps = (p: { tenant: string; scanIds: string; codes: string; gateIds: string }, lock: boolean): string => `
    stored as (
      select scan_id, verdict, reason, direction, suspicious from checkin_scans where tenant_id = ${p.tenant} and scan_id = any(${p.scanIds})
    ),
    ticket as (
      select t.id::int, t.code, t.event_id::int, t.ticket_type_id::int, t.status, coalesce(t.holder_name, c.name) as holder_name, tt.name as ticket_type,
        exists (select 1 from checkin_presence p where p.ticket_id = t.id) as present
      from tickets t join ticket_types tt on tt.id = t.ticket_type_id join customers c on c.id = t.customer_id
      where t.tenant_id = ${p.tenant} and t.code = any(${p.codes})${lock ? ' for share of t' : ''}
    ),
    gate as (
      select id::int, event_id::int, status, ticket_type_ids, is_vip, name from checkin_gates where tenant_id = ${p.tenant} and id = any(${p.gateIds})
    )`;
const READ_RESULT = `(select coalesce(json_agg(s), '[]') from stored s) as stored, (select coalesce(json_agg(t), '[]') from ticket t) as tickets,
    (select coalesce(json_agg(g), '[]') from gate g) as gates`;
const READ_BATCH_LOCKED = `
    with ${readSteps({ tenant: '$1', scanIds: '$2::text[]', codes: '$3::text[]', gateIds: '$4::bigint[]' }, true)}
    select ${READ_RESULT}`;

/**
 * The write of a batch, as CTEs over `input` (one row per fresh scan with its role): admissions and
 * exits change presence, every scan is stored with its verdict (sorted by scan id, so concurrent
 * batches take index locks in one order), the first scan of a ticket scanned again is flagged, the
 * counters move and the batch is metered once. Parameters from `$first`: tenant, counter shard,
 * billing period, price per scan, now.
 *
 * It share-locks the tickets it admits or lets out, so it is safe as an autocommitted statement
 * after an unlocked read: a ticket no longer valid, or (`strict`) any refused entry, rolls it all
 * back (`batchCheck` raises SCAN_BATCH_RERUN) and the batch is decided again in a transaction.
 */
const writeSteps = (first: number): string => {
  const [tenant, shard, period, price, now] = ['text', 'smallint', 'text', 'int', 'timestamptz'].map(
    (type, i) => `$${first + i}::${type}`,
  );
  return `
    locked as (
      select id from tickets where id in (select ticket_id from input where role <> 'final') and status = 'valid' order by id for share
    ),
    prior as (
      select ticket_id, inside, first_admitted_at, first_gate_id, first_scan_id from checkin_presence
      where ticket_id in (select ticket_id from input where role in ('entry', 'later'))
    ),
    admitted as (
      insert into checkin_presence as p (ticket_id, tenant_id, event_id, ticket_type_id, gate_id, first_scan_id, first_gate_id, first_admitted_at)
      select ticket_id, ${tenant}, event_id, ticket_type_id, gate_id, scan_id, gate_id, scanned_at from input
      where role = 'entry' and ticket_id in (select id from locked) order by ticket_id
      on conflict (ticket_id) do update set inside = true, entries = p.entries + 1, gate_id = excluded.gate_id, changed_at = now()
        where not p.inside and (select e.allow_reentry from events e where e.id = p.event_id)
      returning ticket_id, first_scan_id
    ),
    exited as (
      update checkin_presence p set inside = false, changed_at = now()
      from input i where i.role = 'exit' and p.ticket_id = i.ticket_id and p.inside and i.ticket_id in (select id from locked)
      returning p.ticket_id, p.gate_id
    ),
    decided as (
      select i.*, a.ticket_id is not null as admitted, a.first_scan_id = i.scan_id as first_admission, x.gate_id as exit_gate_id,
        case i.role when 'final' then i.verdict
          when 'entry' then case when a.ticket_id is not null then 'success' else 'already_checked_in' end
          when 'later' then 'already_checked_in'
          else case when x.ticket_id is not null then 'success' else 'invalid' end end as final_verdict,
        case i.role when 'final' then i.reason
          when 'entry' then case when a.ticket_id is null and not pr.inside then 'reentry_not_allowed' end
          when 'later' then case when not pr.inside and not exists (select 1 from admitted a2 where a2.ticket_id = i.ticket_id) then 'reentry_not_allowed' end
          when 'exit' then case when x.ticket_id is null then 'not_inside' end end as final_reason,
        case i.role when 'entry' then a.ticket_id is null or exists (select 1 from input l where l.role = 'later' and l.ticket_id = i.ticket_id)
          when 'later' then true else false end as suspicious,
        coalesce(pr.first_admitted_at, c.scanned_at) as first_at,
        case when pr.ticket_id is not null then pr.first_gate_id else c.gate_id end as first_gate_id,
        pr.ticket_id is not null or c.scan_id is not null as first_known
      from input i
      left join admitted a on i.role = 'entry' and a.ticket_id = i.ticket_id
      left join exited x on i.role = 'exit' and x.ticket_id = i.ticket_id
      left join prior pr on i.role in ('entry', 'later') and pr.ticket_id = i.ticket_id
      left join input c on i.role = 'later' and c.role = 'entry' and c.ticket_id = i.ticket_id and pr.ticket_id is null
    ),
    inserted as (
      insert into checkin_scans (tenant_id, event_id, scan_id, code, ticket_id, gate_id, device_id, direction, verdict, reason, source, suspicious, scanned_at)
      select ${tenant}, event_id, scan_id, code, ticket_id, gate_id, device_id, direction, final_verdict, final_reason, source, suspicious, scanned_at
      from decided order by scan_id
      on conflict (tenant_id, scan_id) do nothing
      returning scan_id
    ),
    flagged as (
      update checkin_scans s set suspicious = true from prior pr
      where s.tenant_id = ${tenant} and s.scan_id = pr.first_scan_id and not s.suspicious
        and pr.ticket_id in (select ticket_id from decided where final_verdict = 'already_checked_in')
    ),
    counted as (
      insert into checkin_counters as k (tenant_id, event_id, gate_id, minute, shard, admissions, entries, exits)
      select ${tenant}, event_id, gate_id, minute, ${shard}, sum(admissions), sum(entries), sum(exits) from (
        select event_id, gate_id, date_trunc('minute', scanned_at) as minute, first_admission::int as admissions, 1 as entries, 0 as exits
        from decided where role = 'entry' and admitted
        union all
        select event_id, coalesce(exit_gate_id, gate_id), date_trunc('minute', scanned_at), 0, 0, 1
        from decided where role = 'exit' and final_verdict = 'success'
      ) d group by event_id, gate_id, minute order by event_id, gate_id, minute
      on conflict (event_id, gate_id, minute, shard) do update
        set admissions = k.admissions + excluded.admissions, entries = k.entries + excluded.entries, exits = k.exits + excluded.exits
    ),
    metered as (
      -- Billed per batch: the scans stored by this statement, each stored once per scan id.
      insert into usage_records (tenant_id, meter, period, quantity, amount_minor, idempotency_key, occurred_at)
      select ${tenant}, 'checkin.scan', ${period}, n, n * ${price}, 'checkin.scan:' || first_scan, ${now} from (select count(*)::int as n, min(scan_id) as first_scan from inserted) b
      where n > 0
      on conflict (tenant_id, idempotency_key) do nothing
    )`;
};
const WRITTEN = `
    select d.scan_id, d.final_verdict as verdict, d.final_reason as reason, d.suspicious, ins.scan_id is not null as inserted,
      d.first_at, d.first_gate_id::int, d.first_known
    from decided d left join inserted ins on ins.scan_id = d.scan_id`;
const batchCheck = (strict: string): string => `usher_scan_batch_check(
      exists (select 1 from input i where i.role <> 'final' and i.ticket_id not in (select id from locked)),
      ${strict}::boolean and exists (select 1 from decided where role = 'entry' and not admitted))`;

/** Writes scans planned in JS (roles, refusals decided from a read before). */
const WRITE_BATCH = `
    with input as (
      select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::timestamptz[])
        as u (scan_id, role, verdict, reason, code, ticket_id, ticket_type_id, event_id, gate_id, device_id, direction, source, scanned_at)
    ),${writeSteps(14)}
    ${WRITTEN}
    where ${batchCheck('$19')}`;

/**
 * The common batch in one round trip: the unlocked read and, when every scan is a fresh admission
 * or an exit that raises no alert, its write as well, checked against the same snapshot. That is
 * what `planBatch` plans as one alert-free part: a scan id not stored yet, a valid ticket of the
 * gate's event, once in the batch; an entry never admitted before, at an open gate that is not VIP
 * and admits its type. Any other batch writes nothing here (`written` empty): it is planned in JS
 * from what this read and written by WRITE_BATCH. The write is strict.
 */
const FAST_BATCH = `
    with scans as (
      select u.*, count(*) over (partition by u.code) as uses
      from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::timestamptz[])
        as u (scan_id, code, gate_id, event_id, device_id, direction, source, scanned_at)
    ),${readSteps({ tenant: '$9', scanIds: '$1::text[]', codes: '$2::text[]', gateIds: '$3::bigint[]' }, false)},
    checked as (
      select s.*, t.id as ticket_id, t.ticket_type_id, coalesce(s.uses = 1 and t.status = 'valid' and t.event_id = s.event_id and g.event_id = s.event_id
        and (s.direction = 'exit' or (not t.present and g.status = 'open' and not g.is_vip
          and (g.ticket_type_ids is null or t.ticket_type_id = any(g.ticket_type_ids))))
        and s.scan_id not in (select scan_id from stored), false) as plain
      from scans s left join ticket t on t.code = s.code left join gate g on g.id = s.gate_id
    ),
    input as (
      select scan_id, direction as role, null::text as verdict, null::text as reason, code, ticket_id::bigint, ticket_type_id::bigint,
        event_id, gate_id, device_id, direction, source, scanned_at
      from checked where (select bool_and(plain) from checked)
    ),${writeSteps(9)}
    select ${READ_RESULT}, (select coalesce(json_agg(w), '[]') from (${WRITTEN}) w) as written
    where ${batchCheck('true')}`;

/** A batch as read and planned: what its scans refer to and the write statements it takes. */
interface BatchPlan {
  scans: ScanInput[];
  stored: Map<string, StoredScan>;
  tickets: Map<string, TicketLookup>;
  gates: Map<number, GateLookup>;
  parts: WriteRow[][];
  /** No scan of it can raise an alert or touch a ticket twice: one autocommitted write will do. */
  alertFree: boolean;
}

/** Each scan id once: a scan re-sent within a batch is answered like its first sending. */
function uniqueScans(input: ScanInput[]): ScanInput[] {
  const unique = new Map<string, ScanInput>();
  for (const s of input) if (!unique.has(s.scanId)) unique.set(s.scanId, s);
  return [...unique.values()];
}

/** Reads what the scans refer to (READ_BATCH_LOCKED: inside a transaction, share-locking the tickets). */
async function readLocked(connection: ClientBase, tenantId: string, scans: ScanInput[]): Promise<BatchRead> {
  const [read] = await prepared<BatchRead>(connection, 'usher_checkin_read_locked', READ_BATCH_LOCKED, [
    tenantId,
    scans.map((s) => s.scanId),
    [...new Set(scans.map((s) => s.code))],
    [...new Set(scans.map((s) => s.gateId))],
  ]);
  return read;
}

function planBatch(scans: ScanInput[], read: BatchRead): BatchPlan {
  const stored = new Map(read.stored.map((r) => [r.scan_id, r]));
  const tickets = new Map(read.tickets.map((t) => [t.code, t]));
  const gates = new Map(read.gates.map((g) => [g.id, g]));

  // One statement cannot change a presence row twice: a ticket's entry and exit in one batch go into
  // successive statements, in the order they were scanned; a repeated entry is decided with the first.
  const parts: WriteRow[][] = [[]];
  const lastTouch = new Map<number, { part: number; role: 'entry' | 'exit' }>();
  let alertFree = true;
  for (const s of scans) {
    if (stored.has(s.scanId)) continue;
    const ticket = tickets.get(s.code);
    const gate = gates.get(s.gateId);
    const check =
      !gate || gate.event_id !== s.eventId
        ? { verdict: 'invalid' as const, reason: 'wrong_event' as const }
        : precheck(
            ticket && { eventId: ticket.event_id, ticketTypeId: ticket.ticket_type_id, status: ticket.status },
            { eventId: gate.event_id, status: gate.status, ticketTypeIds: gate.ticket_type_ids?.map(Number) ?? null },
            s.direction,
          );
    if (check.verdict !== 'admissible') {
      parts[0].push({ scan: s, role: 'final', ticket, verdict: check.verdict, reason: check.reason ?? null });
      continue;
    }
    const t = ticket as TicketLookup;
    if (s.direction === 'entry' && (t.present || gate?.is_vip)) alertFree = false;
    const last = lastTouch.get(t.id);
    if (s.direction === 'entry' && last?.role === 'entry') {
      parts[last.part].push({ scan: s, role: 'later', ticket });
      alertFree = false;
      continue;
    }
    const part = last ? last.part + 1 : 0;
    (parts[part] ??= []).push({ scan: s, role: s.direction, ticket });
    lastTouch.set(t.id, { part, role: s.direction });
  }
  return { scans, stored, tickets, gates, parts, alertFree: alertFree && parts.length === 1 };
}

/** A twin with the same scan id committed first (another process): its verdict stands. */
async function readRaced(
  connection: ClientBase,
  tenantId: string,
  plan: BatchPlan,
  written: Map<string, WrittenScan>,
): Promise<void> {
  const raced = [...written.values()].filter((w) => !w.inserted).map((w) => w.scan_id);
  if (!raced.length) return;
  const { rows: found } = await connection.query<StoredScan>(
    'select scan_id, verdict, reason, direction, suspicious from checkin_scans where tenant_id = $1 and scan_id = any($2)',
    [tenantId, raced],
  );
  for (const r of found) plan.stored.set(r.scan_id, r);
}

/** Each scan's outcome, in input order, and the alerts the batch raises. */
function decide(
  input: ScanInput[],
  plan: BatchPlan,
  written: Map<string, WrittenScan>,
): { outcomes: ScanOutcome[]; alerts: NewAlert[] } {
  const { tickets, gates, stored } = plan;
  const outcomes = new Map<string, ScanOutcome>();
  const alerts: NewAlert[] = [];
  const suspiciousTickets = new Set<number>();
  for (const s of plan.scans) {
    const ticket = tickets.get(s.code);
    const base = {
      scanId: s.scanId,
      direction: s.direction,
      eventId: s.eventId,
      gateId: s.gateId,
      ticket: ticketView(ticket),
    };
    const w = written.get(s.scanId);
    if (!w?.inserted) {
      const prior = stored.get(s.scanId) as StoredScan;
      outcomes.set(s.scanId, {
        ...base,
        verdict: prior.verdict,
        reason: prior.reason,
        direction: prior.direction,
        firstAdmission: null,
        suspicious: prior.suspicious,
        replayed: true,
      });
      continue;
    }
    const firstAdmission =
      w.verdict === 'already_checked_in' && w.first_at
        ? { at: new Date(w.first_at).toISOString(), gate_id: w.first_gate_id }
        : null;
    outcomes.set(s.scanId, {
      ...base,
      verdict: w.verdict,
      reason: w.reason,
      firstAdmission,
      suspicious: w.suspicious,
      replayed: false,
    });
    const t = ticket as TicketLookup;
    if (w.verdict === 'already_checked_in' && !suspiciousTickets.has(t.id)) {
      suspiciousTickets.add(t.id);
      alerts.push({
        eventId: s.eventId,
        gateId: gates.has(s.gateId) ? s.gateId : null,
        kind: 'suspicious',
        dedupeKey: `suspicious:${t.id}`,
        message: `Ticket ${t.id} was scanned again after its admission`,
        payload: { ticket_id: t.id, scan_id: s.scanId, source: s.source },
      });
    }
    if (w.verdict === 'success' && s.direction === 'entry' && gates.get(s.gateId)?.is_vip) {
      alerts.push({
        eventId: s.eventId,
        gateId: s.gateId,
        kind: 'vip_arrival',
        dedupeKey: `vip:${t.id}:${s.scanId}`,
        message: `VIP ${t.holder_name ?? ''} (${t.ticket_type}) arrived at ${gates.get(s.gateId)?.name ?? 'a VIP gate'}`,
        payload: { ticket_id: t.id, holder_name: t.holder_name, ticket_type: t.ticket_type },
      });
    }
  }
  return { outcomes: input.map((s) => outcomes.get(s.scanId) as ScanOutcome), alerts };
}

/**
 * Applies a batch of one tenant's scans in the caller's transaction. Postgres decides admissions:
 * the presence row per ticket is inserted (or re-opened for re-entry) at most once, and the scan id
 * is unique, so re-sent scans and concurrent realtime processes never admit a ticket twice. The
 * caller commits before any verdict is shown.
 *
 * Two statements whatever the batch size: one reads what the scans refer to, one writes presence,
 * scans, counters and usage and returns each verdict. `shard` picks the counter rows to add to.
 */
export async function applyScans(
  tx: Tx,
  tenantId: string,
  input: ScanInput[],
  shard = randomInt(COUNTER_SHARDS),
): Promise<BatchResult> {
  const connection = await connectionOf(tx);
  const scans = uniqueScans(input);
  const plan = planBatch(scans, await readLocked(connection, tenantId, scans));
  const written = new Map<string, WrittenScan>();
  for (const part of plan.parts) {
    if (part.length)
      for (const w of await writeScans(connection, tenantId, part, shard, false)) written.set(w.scan_id, w);
  }
  await fillFirstAdmissions(tx, tenantId, written);
  await readRaced(connection, tenantId, plan, written);
  const { outcomes, alerts } = decide(input, plan, written);
  return { outcomes, alerts: await raiseAlerts(tx, tenantId, alerts) };
}

/**
 * The common batch without a transaction, for batches that raise no alert (no ticket seen before,
 * no repeat, no VIP gate). Fresh admissions and exits alone take one round trip (FAST_BATCH reads
 * and writes); a batch with refusals or re-sent scans takes a second (WRITE_BATCH, after FAST_BATCH
 * only read). Each write is atomic, and it rolls back if a ticket changed since the read or an entry
 * turned out refused. Undefined means: nothing was written, run the batch through `applyScans`.
 * `connection` must be bound to the tenant at session level.
 */
export async function applyScansAutocommit(
  connection: ClientBase,
  tenantId: string,
  input: ScanInput[],
  shard: number,
): Promise<BatchResult | undefined> {
  const scans = uniqueScans(input);
  const col = <T>(f: (s: ScanInput) => T): T[] => scans.map(f);
  const [read] =
    (await unlessRerun(
      prepared<BatchRead & { written: WrittenScan[] }>(connection, 'usher_checkin_fast', FAST_BATCH, [
        col((s) => s.scanId),
        col((s) => s.code),
        col((s) => s.gateId),
        col((s) => s.eventId),
        col((s) => s.deviceId),
        col((s) => s.direction),
        col((s) => s.source),
        col((s) => s.scannedAt.toISOString()),
        ...batchParams(tenantId, shard),
      ]),
    )) ?? [];
  if (!read) return undefined;
  const plan = planBatch(scans, read);
  const written = new Map(read.written.map((w) => [w.scan_id, w]));
  if (!written.size && plan.parts[0].length) {
    const rows = plan.alertFree
      ? await unlessRerun(writeScans(connection, tenantId, plan.parts[0], shard, true))
      : undefined;
    if (!rows) return undefined;
    for (const w of rows) written.set(w.scan_id, w);
  }
  await readRaced(connection, tenantId, plan, written);
  return { outcomes: decide(input, plan, written).outcomes, alerts: [] };
}

/** A statement's rows, or undefined when it rolled back for its batch to be decided in a transaction. */
async function unlessRerun<T>(statement: Promise<T>): Promise<T | undefined> {
  try {
    return await statement;
  } catch (err) {
    if ((err as { code?: string }).code === SCAN_BATCH_RERUN) return undefined;
    throw err;
  }
}

/** The parameters after a batch's scans: tenant, counter shard, billing period, price per scan, now. */
function batchParams(tenantId: string, shard: number): unknown[] {
  const now = new Date();
  return [tenantId, shard, now.toISOString().slice(0, 7), meterAmount('checkin.scan', 1), now.toISOString()];
}

/** Writes one part of a batch (WRITE_BATCH) and returns each scan's verdict. */
async function writeScans(
  connection: ClientBase,
  tenantId: string,
  part: WriteRow[],
  shard: number,
  strict: boolean,
): Promise<WrittenScan[]> {
  const sorted = [...part].sort((a, b) => (a.scan.scanId < b.scan.scanId ? -1 : 1));
  const col = <T>(f: (w: WriteRow) => T): T[] => sorted.map(f);
  return prepared<WrittenScan>(connection, 'usher_checkin_write', WRITE_BATCH, [
    col((w) => w.scan.scanId),
    col((w) => w.role),
    col((w) => w.verdict ?? null),
    col((w) => w.reason ?? null),
    col((w) => w.scan.code),
    col((w) => w.ticket?.id ?? null),
    col((w) => w.ticket?.ticket_type_id ?? null),
    col((w) => w.scan.eventId),
    col((w) => w.scan.gateId),
    col((w) => w.scan.deviceId),
    col((w) => w.scan.direction),
    col((w) => w.scan.source),
    col((w) => w.scan.scannedAt.toISOString()),
    ...batchParams(tenantId, shard),
    strict,
  ]);
}

/** A refused entry whose first admission committed after this statement's snapshot: read it now. */
async function fillFirstAdmissions(tx: Tx, tenantId: string, written: Map<string, WrittenScan>): Promise<void> {
  const missing = [...written.values()].filter((w) => w.verdict === 'already_checked_in' && !w.first_known);
  if (!missing.length) return;
  const found = new Map(
    (
      await rows<PresenceLookup & { scan_id: string }>(
        tx,
        `
    select s.scan_id, p.first_admitted_at, p.first_gate_id::int from checkin_scans s join checkin_presence p on p.ticket_id = s.ticket_id
    where s.tenant_id = ? and s.scan_id = any(?)`,
        [tenantId, missing.map((w) => w.scan_id)],
      )
    ).map((p) => [p.scan_id, p]),
  );
  for (const w of missing) {
    const p = found.get(w.scan_id);
    if (p)
      Object.assign(w, {
        first_at: p.first_admitted_at.toISOString(),
        first_gate_id: p.first_gate_id,
        first_known: true,
      });
  }
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
  const created: AlertRow[] = await tx('checkin_alerts')
    .insert(
      alerts.map((a) => ({
        tenant_id: tenantId,
        event_id: a.eventId,
        gate_id: a.gateId,
        kind: a.kind,
        dedupe_key: a.dedupeKey,
        message: a.message,
        payload: JSON.stringify(a.payload),
      })),
    )
    .onConflict(['tenant_id', 'dedupe_key'])
    .ignore()
    .returning('*');
  if (!created.length) return [];
  await emit(
    tx,
    tenantId,
    created.map((row) => ({
      type: 'checkin.alert',
      aggregateType: 'event',
      aggregateId: row.event_id,
      payload: toAlertPayload(row),
    })),
  );
  const settings = (await getModule(tx, 'checkin'))?.settings;
  const to = typeof settings?.alert_email === 'string' ? settings.alert_email : undefined;
  if (to) {
    await queueEmails(
      tx,
      tenantId,
      created.map((row) => ({
        idempotencyKey: `checkin-alert-${row.id}`,
        to,
        subject: `Check-in alert: ${row.kind.replace('_', ' ')}`,
        text: row.message,
      })),
    );
  }
  return created;
}

export function toAlertPayload(a: AlertRow): Record<string, unknown> {
  return {
    id: a.id,
    event_id: a.event_id,
    gate_id: a.gate_id,
    kind: a.kind,
    message: a.message,
    payload: a.payload,
    created_at: new Date(a.created_at).toISOString(),
  };
}

export interface GateCount {
  gate_id: number;
  name: string;
  capacity_limit: number | null;
  status: 'open' | 'closed';
  is_vip: boolean;
  inside: number;
  admitted: number;
}
export interface EventCounts {
  event_id: number;
  capacity: number;
  sold: number;
  inside: number;
  admitted: number;
  gates: GateCount[];
  /** Successful entries per minute scanned, re-entries included, over the last PER_MINUTE_WINDOW minutes. */
  per_minute: { minute: Date; count: number }[];
}

/** How far back `EventCounts.per_minute` goes: the live rate graph's span. */
export const PER_MINUTE_WINDOW = 30;

/**
 * Who is in: totals and per gate (by the gate of the latest entry), admissions per minute, the
 * event's capacity and tickets sold, from the counters the scan batches keep, in one statement: the
 * live dashboard reads this many times a second under load. `sold` may come from the caller's
 * cache: it changes with sales, not with scans.
 */
export async function eventCounts(
  tx: Tx,
  eventId: number,
  known: { sold?: number } = {},
): Promise<EventCounts | undefined> {
  const [row] = await rows<Omit<EventCounts, 'per_minute'> & { per_minute: { minute: string; count: number }[] }>(
    tx,
    `
    with c as (
      select gate_id, sum(entries) - sum(exits) as inside, sum(admissions) as admitted from checkin_counters where event_id = ? group by gate_id
    )
    select e.id::int as event_id, e.capacity,
      coalesce(?::int, (select count(*)::int from tickets where event_id = e.id and status = 'valid')) as sold,
      coalesce((select sum(inside) from c), 0)::int as inside, coalesce((select sum(admitted) from c), 0)::int as admitted,
      coalesce((select json_agg(g order by g.gate_id) from (
        select g.id::int as gate_id, g.name, g.capacity_limit, g.status, g.is_vip, coalesce(c.inside, 0)::int as inside, coalesce(c.admitted, 0)::int as admitted
        from checkin_gates g left join c on c.gate_id = g.id where g.event_id = e.id) g), '[]') as gates,
      coalesce((select json_agg(m order by m.minute) from (
        select minute, sum(entries)::int as count from checkin_counters
        where event_id = e.id and minute > now() - make_interval(mins => ?) and entries > 0 group by minute) m), '[]') as per_minute
    from events e where e.id = ?`,
    [eventId, known.sold ?? null, PER_MINUTE_WINDOW, eventId],
  );
  return row && { ...row, per_minute: row.per_minute.map((m) => ({ minute: new Date(m.minute), count: m.count })) };
}

/** The capacity scopes of an event: the event itself (gate 0) and each gate with its limit. */
function capacityScopes(
  counts: EventCounts,
): { gateId: number; count: number; capacity: number | null; name: string; reached: number[] }[] {
  return [
    { gateId: 0, count: counts.inside, capacity: counts.capacity, name: 'the event' },
    ...counts.gates.map((g) => ({
      gateId: g.gate_id,
      count: g.inside,
      capacity: g.capacity_limit,
      name: `gate ${g.name}`,
    })),
  ].map((scope) => ({ ...scope, reached: levelsReached(scope.count, scope.capacity) }));
}

/**
 * The capacity levels reached in each scope, as one comparable key: while it stays the same, a
 * `checkCapacity` by this process would change nothing it has not already seen.
 */
export const capacityLevelsKey = (counts: EventCounts): string =>
  capacityScopes(counts)
    .map((s) => `${s.gateId}:${s.reached.join(',')}`)
    .join(';');

/** Fires capacity alerts for each level newly crossed (event and each gate) and re-arms levels fallen below. */
export async function checkCapacity(tx: Tx, tenantId: string, counts: EventCounts): Promise<AlertRow[]> {
  const newAlerts: NewAlert[] = [];
  for (const scope of capacityScopes(counts)) {
    await tx.raw(
      'update checkin_alert_levels set above = false where event_id = ? and gate_id = ? and above and not (level = any(?))',
      [counts.event_id, scope.gateId, scope.reached],
    );
    for (const level of scope.reached) {
      const flipped = await rows<{ level: number }>(
        tx,
        `
        insert into checkin_alert_levels as l (tenant_id, event_id, gate_id, level, above) values (?, ?, ?, ?, true)
        on conflict (tenant_id, event_id, gate_id, level) do update set above = true where not l.above returning level`,
        [tenantId, counts.event_id, scope.gateId, level],
      );
      if (!flipped.length) continue;
      newAlerts.push({
        eventId: counts.event_id,
        gateId: scope.gateId || null,
        kind: 'capacity',
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
  id: number;
  tenant_id: string;
  event_id: number;
  device_name: string;
  device_uuid: string;
  gate_id: number | null;
  staff_ref: string | null;
  status: 'active' | 'inactive';
  last_seen_at: Date | null;
  last_sync_at: Date | null;
  offline_alerted_at: Date | null;
  created_at: Date;
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
  return tx('checkin_devices')
    .where({ token_hash: hashDeviceToken(token) })
    .first();
}

/** One snapshot per event (gate null) and gate per minute, however many realtime processes write it. */
export async function snapshotCapacity(tx: Tx, tenantId: string, counts: EventCounts, at: Date): Promise<void> {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  const rowsToInsert = [
    { gate_id: null as number | null, checked_in_count: counts.inside },
    ...counts.gates.map((g) => ({ gate_id: g.gate_id, checked_in_count: g.inside })),
  ].map((r) => ({
    ...r,
    tenant_id: tenantId,
    event_id: counts.event_id,
    total_sold: counts.sold,
    snapshot_at: minute,
  }));
  await tx('checkin_capacity_snapshots')
    .insert(rowsToInsert)
    .onConflict(['tenant_id', 'event_id', 'gate_id', 'snapshot_at'])
    .ignore();
}

// ---- gates, staff, devices --------------------------------------------------------------------

export interface GateRow {
  id: number;
  tenant_id: string;
  event_id: number;
  name: string;
  location: string | null;
  capacity_limit: number | null;
  is_vip: boolean;
  ticket_type_ids: number[] | null;
  status: 'open' | 'closed';
  created_at: Date;
  updated_at: Date;
}

export async function getGate(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<GateRow | undefined> {
  const q = tx('checkin_gates').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function insertGate(
  tx: Tx,
  tenantId: string,
  gate: Pick<GateRow, 'event_id' | 'name' | 'location' | 'capacity_limit' | 'is_vip' | 'ticket_type_ids'>,
): Promise<GateRow> {
  const [row] = await tx('checkin_gates')
    .insert({ ...gate, tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function updateGate(tx: Tx, id: number, patch: Partial<GateRow>): Promise<GateRow> {
  const [row] = await tx('checkin_gates')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
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
export async function upsertDevice(
  tx: Tx,
  tenantId: string,
  d: Pick<DeviceRow, 'event_id' | 'device_name' | 'device_uuid' | 'gate_id' | 'staff_ref'>,
): Promise<{ device: DeviceRow; token: string }> {
  const { token, hash } = newDeviceToken(tenantId);
  const [device] = await tx('checkin_devices')
    .insert({ ...d, tenant_id: tenantId, token_hash: hash })
    .onConflict(['tenant_id', 'device_uuid'])
    .merge({ ...d, token_hash: hash, status: 'active' })
    .returning('*');
  return { device, token };
}

/** Devices beyond the plan's included ones are billed once per device and month while in use. */
export async function meterExtraDevice(tx: Tx, tenantId: string, device: DeviceRow, at = new Date()): Promise<void> {
  const [{ rank }] = await rows<{ rank: number }>(
    tx,
    "select count(*)::int as rank from checkin_devices where status = 'active' and id <= ?",
    [device.id],
  );
  if (rank <= INCLUDED_SCANNER_DEVICES) return;
  await recordUsage(tx, tenantId, {
    meter: 'checkin.extra_device',
    quantity: 1,
    amountMinor: meterAmount('checkin.extra_device', 1),
    idempotencyKey: `checkin.extra_device:${device.id}:${at.toISOString().slice(0, 7)}`,
    metadata: { device_id: device.id },
    at,
  });
}

// ---- manual lookup, manifest, statistics -----------------------------------------------------

export interface LookupRow {
  id: number;
  code: string;
  status: string;
  event_id: number;
  order_number: string;
  holder_name: string | null;
  holder_email: string | null;
  ticket_type: string;
  ticket_type_id: number;
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
  return rows<LookupRow>(
    tx,
    `${LOOKUP_SELECT} where t.event_id = ? and (o.order_number = ? or c.name ilike ? or c.email ilike ?
    or t.holder_name ilike ? or t.holder_email ilike ?) order by t.id limit ?`,
    [eventId, q, like, like, like, like, limit],
  );
}

export async function presenceOf(tx: Tx, ticketId: number): Promise<PresenceLookup | undefined> {
  return tx('checkin_presence')
    .where({ ticket_id: ticketId })
    .first('ticket_id', 'inside', 'first_admitted_at', 'first_gate_id', 'first_scan_id');
}

export async function scansOfTicket(
  tx: Tx,
  ticketId: number,
): Promise<
  {
    scan_id: string;
    verdict: string;
    reason: string | null;
    direction: string;
    gate_id: number | null;
    source: string;
    suspicious: boolean;
    scanned_at: Date;
  }[]
> {
  return tx('checkin_scans')
    .where({ ticket_id: ticketId })
    .orderBy('scanned_at')
    .limit(100)
    .select('scan_id', 'verdict', 'reason', 'direction', 'gate_id', 'source', 'suspicious', 'scanned_at');
}

export interface ManifestRow {
  ticket_id: number;
  code: string;
  status: string;
  holder_name: string | null;
  ticket_type: string;
  ticket_type_id: number;
  updated_at: Date;
}

/** Tickets of an event changed after the cursor (`<epoch micros>:<id>`), oldest change first. */
export async function manifestPage(
  tx: Tx,
  eventId: number,
  cursor: { micros: number; id: number } | undefined,
  limit: number,
): Promise<(ManifestRow & { micros: number })[]> {
  const after = cursor
    ? 'and (floor(extract(epoch from t.updated_at) * 1000000)::bigint, t.id) > (?::bigint, ?::bigint)'
    : '';
  return rows<ManifestRow & { micros: number }>(
    tx,
    `
    select t.id as ticket_id, t.code, t.status, coalesce(t.holder_name, c.name) as holder_name, tt.name as ticket_type, t.ticket_type_id,
      floor(extract(epoch from t.updated_at) * 1000000)::bigint as micros
    from tickets t join ticket_types tt on tt.id = t.ticket_type_id join customers c on c.id = t.customer_id
    where t.event_id = ? ${after}
    order by floor(extract(epoch from t.updated_at) * 1000000)::bigint, t.id limit ?`,
    cursor ? [eventId, cursor.micros, cursor.id, limit] : [eventId, limit],
  );
}

export async function eventStats(tx: Tx, eventId: number) {
  const perGate = await rows<{ gate_id: number | null; name: string | null; admitted: number; refused: number }>(
    tx,
    `
    select s.gate_id, g.name, count(*) filter (where s.verdict = 'success' and s.direction = 'entry')::int as admitted,
      count(*) filter (where s.verdict <> 'success')::int as refused
    from checkin_scans s left join checkin_gates g on g.id = s.gate_id where s.event_id = ? group by s.gate_id, g.name order by s.gate_id nulls last`,
    [eventId],
  );
  const perType = await rows<{ ticket_type_id: number; name: string; sold: number; admitted: number }>(
    tx,
    `
    select tt.id as ticket_type_id, tt.name,
      (select count(*) from tickets t where t.ticket_type_id = tt.id and t.status = 'valid')::int as sold,
      (select count(*) from checkin_presence p where p.ticket_type_id = tt.id)::int as admitted
    from ticket_types tt where tt.event_id = ? order by tt.id`,
    [eventId],
  );
  const verdicts = await rows<{ verdict: string; n: number }>(
    tx,
    'select verdict, count(*)::int as n from checkin_scans where event_id = ? group by verdict',
    [eventId],
  );
  const perMinute = await rows<{ minute: Date; count: number }>(
    tx,
    `
    select date_trunc('minute', scanned_at) as minute, count(*)::int as count from checkin_scans
    where event_id = ? and verdict = 'success' and direction = 'entry' group by 1 order by 1`,
    [eventId],
  );
  const snapshots = await rows<{
    gate_id: number | null;
    checked_in_count: number;
    total_sold: number;
    snapshot_at: Date;
  }>(
    tx,
    `
    select gate_id, checked_in_count, total_sold, snapshot_at from checkin_capacity_snapshots where event_id = ? order by snapshot_at desc, gate_id nulls first limit 500`,
    [eventId],
  );
  return { perGate, perType, verdicts, perMinute, snapshots };
}

export async function gateScanStats(tx: Tx, gateId: number) {
  const verdicts = await rows<{ verdict: string; n: number }>(
    tx,
    'select verdict, count(*)::int as n from checkin_scans where gate_id = ? group by verdict',
    [gateId],
  );
  const perMinute = await rows<{ minute: Date; count: number }>(
    tx,
    `
    select date_trunc('minute', scanned_at) as minute, count(*)::int as count from checkin_scans
    where gate_id = ? and verdict = 'success' and direction = 'entry' group by 1 order by 1`,
    [gateId],
  );
  return { verdicts, perMinute };
}
