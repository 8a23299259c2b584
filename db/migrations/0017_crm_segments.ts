import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The proposal's customer_segments; rules are validated JSON (domain/crm/segment-rules.ts),
    -- compiled to SQL at evaluation and never stored as SQL.
    create table customer_segments (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null,
      description text,
      rules jsonb not null,
      customer_count integer not null default 0 check (customer_count >= 0),
      is_dynamic boolean not null default true,
      refresh_interval_s integer not null default 3600 check (refresh_interval_s between 1 and 2592000),
      last_evaluated_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index customer_segments_tenant on customer_segments (tenant_id, id);

    -- Membership history: a row per stay in the segment; a current member has removed_at null,
    -- and the partial unique index keeps at most one current row per (segment, customer), which
    -- is what makes concurrent evaluations of one segment insert each entry once.
    create table customer_segment_members (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      segment_id bigint not null references customer_segments(id) on delete cascade,
      customer_id bigint not null references customers(id),
      added_at timestamptz not null default now(),
      removed_at timestamptz
    );
    create unique index customer_segment_members_current
      on customer_segment_members (segment_id, customer_id) where removed_at is null;
    create index customer_segment_members_segment on customer_segment_members (segment_id, customer_id);
    create index customer_segment_members_customer on customer_segment_members (tenant_id, customer_id)
      where removed_at is null;

    -- Size over time, one point per evaluation by the refresh workflow (segment performance).
    create table customer_segment_sizes (
      tenant_id text not null references tenants(id),
      segment_id bigint not null references customer_segments(id) on delete cascade,
      at timestamptz not null default now(),
      size integer not null,
      primary key (segment_id, at)
    );

    -- What segment rules filter on most: recency and spend (the proposal's example).
    create index customer_metrics_last_purchase on customer_metrics (tenant_id, last_purchase_at);
    create index customer_metrics_total_spent on customer_metrics (tenant_id, total_spent_minor);
    -- Every evaluation joins the matching metrics to the tenant's live customers: an index-only
    -- scan of this is far smaller than the customers table itself.
    create index customers_segmentable on customers (tenant_id, id) where erased_at is null;
  `);
  for (const table of ['customer_segments', 'customer_segment_members', 'customer_segment_sizes']) {
    await enableTenantIsolation(knex, table);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists customers_segmentable;
    drop index if exists customer_metrics_total_spent;
    drop index if exists customer_metrics_last_purchase;
    drop table if exists customer_segment_sizes, customer_segment_members, customer_segments cascade;
  `);
}
