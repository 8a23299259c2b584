import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * What segmentation needs and the core lacked: customer profile data and consent, event categories
 * and tags, order channel and promo code, the CRM columns of `customer_metrics` (their names are the
 * contract with the segment compiler), and the per-tenant lifetime-value model.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table customers
      add column birthday date,
      add column country text check (country ~ '^[A-Z]{2}$'),
      add column city text,
      add column tags text[] not null default '{}',
      add column marketing_consent boolean not null default false,
      add column erased_at timestamptz;

    -- The consent ledger: every grant and withdrawal, never changed or removed (GDPR accountability).
    create table customer_consents (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      customer_id bigint not null references customers(id),
      channel text not null check (channel in ('email')),
      granted boolean not null,
      source text not null,
      recorded_at timestamptz not null default now()
    );
    create index customer_consents_customer on customer_consents (tenant_id, customer_id, id);
    create function customer_consents_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'customer_consents is append-only';
      end $$;
    create trigger customer_consents_append_only before update or delete on customer_consents
      for each row execute function customer_consents_append_only();

    alter table events
      add column category text,
      add column tags text[] not null default '{}';

    alter table orders
      add column channel text check (channel in ('web', 'box_office', 'app', 'partner', 'phone', 'other')),
      add column promo_code text;

    alter table customer_metrics
      add column events_attended integer not null default 0,
      add column no_shows integer not null default 0,
      add column attended_categories text[] not null default '{}',
      add column purchased_categories text[] not null default '{}',
      add column emails_opened integer not null default 0,
      add column emails_clicked integer not null default 0,
      add column last_opened_at timestamptz,
      add column last_clicked_at timestamptz,
      add column r_score smallint check (r_score between 1 and 5),
      add column f_score smallint check (f_score between 1 and 5),
      add column m_score smallint check (m_score between 1 and 5),
      add column rfm_score integer,
      add column lifetime_value_minor bigint,
      add column predicted_purchases_365d real,
      add column churn_probability real,
      add column churn_risk text check (churn_risk in ('low', 'medium', 'high'));

    -- Segment rules compile to one statement over customers c left join customer_metrics m: each
    -- commonly filtered column gets an index leading with tenant_id, arrays a GIN index.
    create index customers_tenant_created on customers (tenant_id, created_at);
    create index customers_tenant_country_city on customers (tenant_id, country, city);
    create index customers_tenant_birthday_md on customers (tenant_id, (extract(month from birthday)), (extract(day from birthday)))
      where birthday is not null;
    create index customers_tenant_consent on customers (tenant_id) where marketing_consent and erased_at is null;
    create index customers_tags on customers using gin (tags);
    -- (tenant_id, last_purchase_at) and (tenant_id, total_spent_minor) come with the segments' migration.
    create index customer_metrics_orders on customer_metrics (tenant_id, total_orders);
    create index customer_metrics_rfm on customer_metrics (tenant_id, rfm_score);
    create index customer_metrics_ltv on customer_metrics (tenant_id, lifetime_value_minor);
    create index customer_metrics_churn on customer_metrics (tenant_id, churn_risk);
    create index customer_metrics_attended on customer_metrics (tenant_id, events_attended);
    create index customer_metrics_purchased_categories on customer_metrics using gin (purchased_categories);
    create index customer_metrics_attended_categories on customer_metrics using gin (attended_categories);
    create index events_tenant_category on events (tenant_id, category);
    -- Metrics are recomputed per customer from their paid orders.
    create index orders_customer_paid on orders (tenant_id, customer_id, paid_at) where status = 'paid';

    -- The tenant's fitted lifetime-value model (BG/NBD + Gamma-Gamma, or the documented fallback).
    create table crm_ltv_models (
      tenant_id text primary key references tenants(id),
      method text not null check (method in ('bgnbd_gg', 'fallback')),
      r double precision,
      alpha double precision,
      a double precision,
      b double precision,
      p double precision,
      q double precision,
      gamma double precision,
      customers integer not null,
      repeat_customers integer not null,
      log_likelihood double precision,
      horizon_days integer not null,
      details jsonb not null default '{}',
      fitted_at timestamptz not null default now()
    );

    -- Each refresh of RFM, lifetime value and churn for all of a tenant's customers: one running at a time.
    create table crm_metrics_refreshes (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      status text not null check (status in ('running', 'completed', 'failed')),
      workflow_id text not null,
      horizon_days integer not null,
      customers integer,
      error text,
      started_at timestamptz not null default now(),
      completed_at timestamptz
    );
    create unique index crm_metrics_refreshes_running on crm_metrics_refreshes (tenant_id) where status = 'running';
    create index crm_metrics_refreshes_tenant on crm_metrics_refreshes (tenant_id, id);
  `);
  for (const table of ['customer_consents', 'crm_ltv_models', 'crm_metrics_refreshes'])
    await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists crm_metrics_refreshes, crm_ltv_models, customer_consents;
    drop function if exists customer_consents_append_only();
    drop index if exists orders_customer_paid, events_tenant_category, customers_tenant_created,
      customers_tenant_country_city, customers_tenant_birthday_md, customers_tenant_consent, customers_tags;
    alter table customer_metrics
      drop column events_attended, drop column no_shows, drop column attended_categories,
      drop column purchased_categories, drop column emails_opened, drop column emails_clicked,
      drop column last_opened_at, drop column last_clicked_at, drop column r_score, drop column f_score,
      drop column m_score, drop column rfm_score, drop column lifetime_value_minor,
      drop column predicted_purchases_365d, drop column churn_probability, drop column churn_risk;
    alter table orders drop column channel, drop column promo_code;
    alter table events drop column category, drop column tags;
    alter table customers drop column birthday, drop column country, drop column city, drop column tags,
      drop column marketing_consent, drop column erased_at;
  `);
}
