import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Price quotes and A/B price tests. A quote holds each line's price for its lifetime and names what
 * set it (a rule, or a test's arm); order items record the quote and rule they were priced by.
 * Exposures and conversions are rows written in the request and trigger transactions, never
 * workflow state, so a worker restart loses none: an exposure is one per visitor and test (the
 * visitor keeps the arm first drawn), a conversion one per paid order and test.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The key quote tokens are signed with, made on a tenant's first quote; order placement checks
    -- tokens in its own transaction, so the key lives where that transaction can read it.
    create table price_quote_keys (
      tenant_id text primary key references tenants(id),
      secret text not null,
      created_at timestamptz not null default now()
    );

    create table price_tests (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      ticket_type_id bigint not null references ticket_types(id) on delete cascade,
      status text not null default 'draft' check (status in ('draft', 'running', 'stopped', 'completed')),
      mode text not null default 'fixed' check (mode in ('fixed', 'thompson')),
      -- Exposures in all arms after which the test ends whatever the statistics say.
      sample_size integer not null check (sample_size > 0),
      -- Exposures every arm needs before a significant result may end the test early.
      min_sample integer not null check (min_sample > 0),
      confidence numeric(5, 4) not null check (confidence > 0.5 and confidence < 1),
      check_interval_s integer not null check (check_interval_s > 0),
      started_at timestamptz,
      stopped_at timestamptz,
      completed_at timestamptz,
      winner_arm smallint,
      completed_because text check (completed_because in ('significant', 'sample_size')),
      created_at timestamptz not null default now()
    );
    create index price_tests_tenant on price_tests (tenant_id, id);
    -- One running test per ticket type: a visitor must see one price.
    create unique index price_tests_running on price_tests (ticket_type_id) where status = 'running';

    -- Arm 0 is the control. weight is the arm's share of new visitors (equal in fixed mode).
    create table price_test_arms (
      tenant_id text not null references tenants(id),
      test_id bigint not null references price_tests(id) on delete cascade,
      arm smallint not null check (arm between 0 and 3),
      price_minor integer not null check (price_minor >= 0),
      weight double precision not null check (weight >= 0 and weight <= 1),
      primary key (test_id, arm)
    );

    create table price_quotes (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      customer_id bigint references customers(id),
      visitor_id text,
      -- Who the quote is for, as tests key visitors: 'c:<customer id>' or 'v:<visitor id>'.
      visitor text not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      -- Set by the order that redeemed it (order_items.price_quote_id names that order): a quote buys once.
      used_at timestamptz,
      check (customer_id is not null or visitor_id is not null)
    );
    create index price_quotes_tenant on price_quotes (tenant_id, id);

    create table price_quote_lines (
      tenant_id text not null references tenants(id),
      quote_id bigint not null references price_quotes(id) on delete cascade,
      ticket_type_id bigint not null references ticket_types(id) on delete cascade,
      price_minor integer not null check (price_minor >= 0),
      currency char(3) not null,
      rule_id bigint references pricing_rules(id) on delete set null,
      price_test_id bigint references price_tests(id) on delete cascade,
      arm smallint,
      primary key (quote_id, ticket_type_id)
    );

    create table price_test_exposures (
      tenant_id text not null references tenants(id),
      test_id bigint not null references price_tests(id) on delete cascade,
      visitor text not null,
      arm smallint not null,
      quote_id bigint not null references price_quotes(id),
      exposed_at timestamptz not null default now(),
      primary key (test_id, visitor)
    );

    create table price_test_conversions (
      tenant_id text not null references tenants(id),
      test_id bigint not null references price_tests(id) on delete cascade,
      order_id bigint not null references orders(id),
      visitor text not null,
      arm smallint not null,
      quantity integer not null,
      revenue_minor bigint not null,
      converted_at timestamptz not null default now(),
      primary key (test_id, order_id)
    );
    create index price_test_conversions_visitor on price_test_conversions (test_id, visitor);

    alter table order_items
      add column price_rule_id bigint references pricing_rules(id) on delete set null,
      add column price_quote_id bigint references price_quotes(id);
    create index order_items_price_quote on order_items (price_quote_id) where price_quote_id is not null;
  `);
  for (const table of [
    'price_quote_keys',
    'price_tests',
    'price_test_arms',
    'price_quotes',
    'price_quote_lines',
    'price_test_exposures',
    'price_test_conversions',
  ])
    await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table order_items drop column if exists price_quote_id, drop column if exists price_rule_id;
    drop table if exists price_test_conversions;
    drop table if exists price_test_exposures;
    drop table if exists price_quote_lines;
    drop table if exists price_quotes;
    drop table if exists price_test_arms;
    drop table if exists price_tests;
    drop table if exists price_quote_keys;
  `);
}
