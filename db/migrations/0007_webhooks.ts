import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table webhook_endpoints (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      url text not null,
      secret text not null,
      event_types text[] not null,
      description text,
      status text not null default 'active' check (status in ('active', 'disabled')),
      consecutive_failures integer not null default 0,
      disabled_at timestamptz,
      disabled_reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index webhook_endpoints_tenant on webhook_endpoints (tenant_id);

    create table webhook_deliveries (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      endpoint_id bigint not null references webhook_endpoints(id),
      outbox_id bigint not null references outbox(id),
      event_type text not null,
      payload jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      attempts integer not null default 0,
      redeliveries integer not null default 0,
      last_status_code integer,
      last_error text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      unique (endpoint_id, outbox_id)
    );
    create index webhook_deliveries_endpoint on webhook_deliveries (tenant_id, endpoint_id, id);

    create table webhook_attempts (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      delivery_id bigint not null references webhook_deliveries(id),
      attempt integer not null,
      status_code integer,
      latency_ms integer not null,
      error text,
      attempted_at timestamptz not null default now()
    );
    create index webhook_attempts_delivery on webhook_attempts (delivery_id);

    alter table tenants add column contact_email text;
  `);
  for (const table of ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts'])
    await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists webhook_attempts, webhook_deliveries, webhook_endpoints cascade;
    alter table tenants drop column if exists contact_email;
  `);
}
