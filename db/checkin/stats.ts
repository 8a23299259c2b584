import type { Tx } from '../connection';
import { rows } from './rows';

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
