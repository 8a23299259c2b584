import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Streams per event (stages, sessions) with a schedule, a provider and the state scheduled → live → ended; ticket types
 * say whether they admit in person, virtually or both, and how long their holders may watch the replay; viewer sessions
 * hold the concurrency cap per ticket (a newer session takes over the oldest).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table ticket_types
      add column attendance text not null default 'in_person' check (attendance in ('in_person', 'virtual', 'both')),
      add column replay_window_hours integer check (replay_window_hours between 0 and 8760);

    create table streams (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      name text not null check (length(name) between 1 and 200),
      provider text not null check (provider in ('native', 'mux', 'embed')),
      status text not null default 'scheduled' check (status in ('scheduled', 'live', 'ended')),
      scheduled_start_at timestamptz not null,
      scheduled_end_at timestamptz,
      started_at timestamptz,
      ended_at timestamptz,
      ingest_key text unique,
      mux_live_stream_id text,
      mux_playback_id text,
      embed_url text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (scheduled_end_at is null or scheduled_end_at > scheduled_start_at),
      check ((provider = 'embed') = (embed_url is not null))
    );
    create index streams_tenant on streams (tenant_id, id);
    create index streams_event on streams (tenant_id, event_id);
    create unique index streams_mux on streams (mux_live_stream_id) where mux_live_stream_id is not null;

    create table stream_viewer_sessions (
      id uuid primary key default gen_random_uuid(),
      tenant_id text not null references tenants(id),
      stream_id bigint not null references streams(id),
      ticket_id bigint not null references tickets(id),
      started_at timestamptz not null default now(),
      refreshed_at timestamptz not null default now(),
      ended_at timestamptz,
      end_reason text check (end_reason in ('taken_over', 'access_lost')),
      check ((ended_at is null) = (end_reason is null))
    );
    create index stream_viewer_sessions_active on stream_viewer_sessions (tenant_id, ticket_id, started_at)
      where ended_at is null;
    create index stream_viewer_sessions_stream on stream_viewer_sessions (tenant_id, stream_id) where ended_at is null;
  `);
  await enableTenantIsolation(knex, 'streams');
  await enableTenantIsolation(knex, 'stream_viewer_sessions');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists stream_viewer_sessions cascade;
    drop table if exists streams cascade;
    alter table ticket_types drop column if exists attendance, drop column if exists replay_window_hours;
  `);
}
