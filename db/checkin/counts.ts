import { randomBytes } from 'node:crypto';
import type { Tx } from '../connection';
import { levelsReached } from '../../domain/checkin/verdict';
import { raiseAlerts, type AlertRow, type NewAlert } from './alerts';
import { rows } from './rows';

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
