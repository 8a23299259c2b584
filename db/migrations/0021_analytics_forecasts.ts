import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Snapshots of each upcoming event's sales forecast, written by its daily refresh workflow
 * (`analytics-forecast/<tenant>/<event>`): the history of what was predicted when, kept so a
 * forecast can be judged later against what happened. The API answers live forecasts; the list of
 * all events reads the latest snapshot of each.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table analytics_event_forecasts (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      computed_at timestamptz not null default now(),
      method text not null check (method in ('pickup', 'prior')),
      inputs jsonb not null,
      predicted double precision not null,
      lower double precision not null,
      upper double precision not null,
      sellout_probability double precision not null check (sellout_probability between 0 and 1),
      suggestion jsonb not null,
      demand jsonb not null default '{}'
    );
    create index analytics_event_forecasts_event on analytics_event_forecasts (tenant_id, event_id, computed_at desc);
  `);
  await enableTenantIsolation(knex, 'analytics_event_forecasts');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists analytics_event_forecasts');
}
