import type { Direction, Reason, Verdict } from '../../domain/checkin/verdict';

// The SQL of a scan batch (run by scans.ts) and the rows it returns: Postgres decides admissions here.

/** SQLSTATE that `usher_scan_batch_check` (migration 0011) raises for a batch to be decided again in a transaction. */
export const SCAN_BATCH_RERUN = 'UB001';

export interface TicketLookup {
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
export interface GateLookup {
  id: number;
  event_id: number;
  status: 'open' | 'closed';
  ticket_type_ids: number[] | null;
  is_vip: boolean;
  name: string;
}
export interface StoredScan {
  scan_id: string;
  verdict: Verdict;
  reason: Reason | null;
  direction: Direction;
  suspicious: boolean;
}

/** How a fresh scan takes part in the write statement of a batch. */
export type Role = 'final' | 'entry' | 'later' | 'exit';

export interface WrittenScan {
  scan_id: string;
  verdict: Verdict;
  reason: Reason | null;
  suspicious: boolean;
  inserted: boolean;
  first_at: string | null;
  first_gate_id: number | null;
  first_known: boolean;
}

export interface BatchRead {
  stored: StoredScan[];
  tickets: TicketLookup[];
  gates: GateLookup[];
}

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
export const READ_BATCH_LOCKED = `
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
export const WRITE_BATCH = `
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
export const FAST_BATCH = `
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
