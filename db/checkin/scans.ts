import { randomInt } from 'node:crypto';
import type { ClientBase } from 'pg';
import { connectionOf, prepared, type Tx } from '../connection';
import { meterAmount } from '../../domain/platform/plans';
import { raiseAlerts, type AlertRow } from './alerts';
import type { PresenceLookup } from './lookup';
import { rows } from './rows';
import {
  decide,
  planBatch,
  uniqueScans,
  type BatchPlan,
  type ScanInput,
  type ScanOutcome,
  type WriteRow,
} from './scan-plan';
import {
  FAST_BATCH,
  READ_BATCH_LOCKED,
  SCAN_BATCH_RERUN,
  WRITE_BATCH,
  type BatchRead,
  type StoredScan,
  type WrittenScan,
} from './scan-statements';

export interface BatchResult {
  outcomes: ScanOutcome[];
  alerts: AlertRow[];
}

/** Shards of the live counters; each in-flight batch of a process writes its own. */
export const COUNTER_SHARDS = 8;

/**
 * Binds a connection kept for scan batches to a tenant for the whole session, where `enterTenant`
 * binds one transaction: its batches then need no `set_config` round trip each.
 */
export async function bindSessionTenant(connection: ClientBase, tenantId: string): Promise<void> {
  await connection.query("select set_config('app.tenant_id', $1, false)", [tenantId]);
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
 * `connection` must be bound to the tenant at session level (`bindSessionTenant`).
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
