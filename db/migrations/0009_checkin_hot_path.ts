import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * The scan hot path writes a scan row and usually a presence row per scan. Their foreign keys ran
 * one trigger per row per key and share-locked the same tenant, event, gate and device rows from
 * every concurrent batch (multixact churn): a third of the check-in throughput. The ids they hold
 * come from rows the same transaction has just read (db/checkin/scans.ts), so the keys are dropped here.
 *
 * Live counters stop re-counting presence on every dashboard refresh: each scan batch adds its
 * admissions, entries and exits to a counter row per event, gate, minute and shard in the same
 * transaction. A shard per in-flight batch keeps concurrent batches off each other's rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    do $$
    declare fk record;
    begin
      for fk in select conname, conrelid::regclass as tbl from pg_constraint
                where contype = 'f' and conrelid in ('checkin_scans'::regclass, 'checkin_presence'::regclass)
      loop
        execute format('alter table %s drop constraint %I', fk.tbl, fk.conname);
      end loop;
    end $$;

    -- Queries by event need no tenant prefix (row security adds it), and with one the planner may
    -- pick this index for the hot path's (tenant_id, scan_id) lookups and walk a tenant's every scan.
    drop index checkin_scans_event_time;
    create index checkin_scans_event_time on checkin_scans (event_id, scanned_at);

    -- Who is inside is read from the counters now; without this index exits and re-entries are HOT updates.
    drop index checkin_presence_event;

    create table checkin_counters (
      tenant_id text not null,
      event_id bigint not null,
      gate_id bigint not null,
      minute timestamptz not null,
      shard smallint not null,
      -- first admissions of a ticket at this gate
      admissions integer not null default 0,
      -- every successful entry here, re-entries included
      entries integer not null default 0,
      -- exits of people whose latest entry was through this gate
      exits integer not null default 0,
      primary key (event_id, gate_id, minute, shard)
    );
    create index checkin_counters_minute on checkin_counters (event_id, minute);

    -- Existing check-ins: admissions and entries as they happened; exits as of now, per gate, so
    -- that entries - exits equals who is inside by the gate of their latest entry.
    insert into checkin_counters (tenant_id, event_id, gate_id, minute, shard, admissions, entries, exits)
    select tenant_id, event_id, gate_id, minute, 0, sum(admissions), sum(entries), sum(exits) from (
      select tenant_id, event_id, first_gate_id as gate_id, date_trunc('minute', first_admitted_at) as minute, 1 as admissions, 0 as entries, 0 as exits
      from checkin_presence where first_gate_id is not null
      union all
      select tenant_id, event_id, gate_id, date_trunc('minute', scanned_at), 0, 1, 0
      from checkin_scans where verdict = 'success' and direction = 'entry' and gate_id is not null
      union all
      select s.tenant_id, s.event_id, s.gate_id, date_trunc('minute', now()), 0, 0,
        s.entries - (select count(*) from checkin_presence p where p.gate_id = s.gate_id and p.inside)
      from (select tenant_id, event_id, gate_id, count(*) as entries from checkin_scans
            where verdict = 'success' and direction = 'entry' and gate_id is not null group by 1, 2, 3) s
    ) c group by tenant_id, event_id, gate_id, minute;
  `);
  await enableTenantIsolation(knex, 'checkin_counters');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists checkin_counters;
    drop index checkin_scans_event_time;
    create index checkin_scans_event_time on checkin_scans (tenant_id, event_id, scanned_at);
    create index checkin_presence_event on checkin_presence (tenant_id, event_id, gate_id) where inside;
    alter table checkin_scans
      add foreign key (tenant_id) references tenants(id), add foreign key (event_id) references events(id),
      add foreign key (ticket_id) references tickets(id), add foreign key (gate_id) references checkin_gates(id),
      add foreign key (device_id) references checkin_devices(id);
    alter table checkin_presence
      add foreign key (ticket_id) references tickets(id), add foreign key (tenant_id) references tenants(id),
      add foreign key (event_id) references events(id), add foreign key (ticket_type_id) references ticket_types(id),
      add foreign key (gate_id) references checkin_gates(id), add foreign key (first_gate_id) references checkin_gates(id);
  `);
}
