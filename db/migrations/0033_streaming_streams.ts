import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/** Streams per event (stages, sessions) with a schedule, a provider and the state scheduled → live → ended. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
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
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index streams_tenant on streams (tenant_id, id);
    create index streams_event on streams (tenant_id, event_id);
  `);
  await enableTenantIsolation(knex, 'streams');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists streams cascade');
}
