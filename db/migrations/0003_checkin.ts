import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table checkin_gates (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      name text not null,
      location text,
      capacity_limit integer check (capacity_limit > 0),
      is_vip boolean not null default false,
      -- Ticket types this lane admits; null admits every type (a VIP lane lists its types).
      ticket_type_ids bigint[],
      status text not null default 'open' check (status in ('open', 'closed')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index checkin_gates_event on checkin_gates (tenant_id, event_id);

    create table checkin_gate_staff (
      tenant_id text not null references tenants(id),
      gate_id bigint not null references checkin_gates(id),
      staff_ref text not null,
      name text not null,
      assigned_at timestamptz not null default now(),
      primary key (gate_id, staff_ref)
    );

    create table checkin_devices (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      device_name text not null,
      device_uuid text not null,
      gate_id bigint references checkin_gates(id),
      staff_ref text,
      token_hash text not null unique,
      status text not null default 'active' check (status in ('active', 'inactive')),
      last_seen_at timestamptz,
      last_sync_at timestamptz,
      offline_alerted_at timestamptz,
      created_at timestamptz not null default now(),
      unique (tenant_id, device_uuid)
    );
    create index checkin_devices_event on checkin_devices (tenant_id, event_id);

    -- Every scan, whatever its verdict; the client's scan id makes a re-send a no-op.
    create table checkin_scans (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      scan_id text not null,
      code text not null,
      ticket_id bigint references tickets(id),
      gate_id bigint references checkin_gates(id),
      device_id bigint references checkin_devices(id),
      direction text not null check (direction in ('entry', 'exit')),
      verdict text not null check (verdict in ('success', 'already_checked_in', 'invalid', 'cancelled')),
      reason text,
      source text not null check (source in ('online', 'offline', 'http')),
      suspicious boolean not null default false,
      scanned_at timestamptz not null,
      received_at timestamptz not null default now(),
      unique (tenant_id, scan_id)
    );
    create index checkin_scans_event_time on checkin_scans (tenant_id, event_id, scanned_at);
    create index checkin_scans_ticket on checkin_scans (ticket_id);

    -- One row per admitted ticket: its primary key is what makes an admission happen once.
    create table checkin_presence (
      ticket_id bigint primary key references tickets(id),
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      ticket_type_id bigint not null references ticket_types(id),
      inside boolean not null default true,
      gate_id bigint references checkin_gates(id),
      entries integer not null default 1,
      first_scan_id text not null,
      first_gate_id bigint references checkin_gates(id),
      first_admitted_at timestamptz not null,
      changed_at timestamptz not null default now()
    );
    create index checkin_presence_event on checkin_presence (tenant_id, event_id, gate_id) where inside;

    create table checkin_capacity_snapshots (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      gate_id bigint references checkin_gates(id),
      checked_in_count integer not null,
      total_sold integer not null,
      snapshot_at timestamptz not null,
      unique nulls not distinct (tenant_id, event_id, gate_id, snapshot_at)
    );
    create index checkin_snapshots_event on checkin_capacity_snapshots (tenant_id, event_id, snapshot_at);

    -- Whether a capacity level is currently exceeded: an alert fires on the false -> true flip only.
    create table checkin_alert_levels (
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      gate_id bigint not null default 0,
      level integer not null,
      above boolean not null default false,
      primary key (tenant_id, event_id, gate_id, level)
    );

    create table checkin_alerts (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      gate_id bigint references checkin_gates(id),
      kind text not null check (kind in ('capacity', 'suspicious', 'vip_arrival', 'device_offline')),
      dedupe_key text not null,
      message text not null,
      payload jsonb not null default '{}',
      created_at timestamptz not null default now(),
      unique (tenant_id, dedupe_key)
    );
    create index checkin_alerts_event on checkin_alerts (tenant_id, event_id, id);
  `);
  for (const table of [
    'checkin_gates',
    'checkin_gate_staff',
    'checkin_devices',
    'checkin_scans',
    'checkin_presence',
    'checkin_capacity_snapshots',
    'checkin_alert_levels',
    'checkin_alerts',
  ]) {
    await enableTenantIsolation(knex, table);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table if exists checkin_alerts, checkin_alert_levels, checkin_capacity_snapshots, checkin_presence,
    checkin_scans, checkin_devices, checkin_gate_staff, checkin_gates cascade`);
}
