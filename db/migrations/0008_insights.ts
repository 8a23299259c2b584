import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table customer_metrics (
      tenant_id text not null references tenants(id),
      customer_id bigint not null references customers(id),
      total_orders integer not null default 0,
      total_spent_minor bigint not null default 0,
      currency char(3),
      avg_order_value_minor integer not null default 0,
      first_purchase_at timestamptz,
      last_purchase_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, customer_id)
    );

    create table event_summaries (
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      tickets_sold integer not null,
      tickets_cancelled integer not null,
      revenue_minor bigint not null,
      currency char(3),
      orders integer not null,
      computed_at timestamptz not null default now(),
      primary key (tenant_id, event_id)
    );
  `);
  for (const table of ['customer_metrics', 'event_summaries']) await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists event_summaries, customer_metrics');
}
