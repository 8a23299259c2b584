import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Dynamic pricing: the proposal's `pricing_rules` and `price_changes`. Money is integer minor units.
 * `ticket_types.price_minor` stays the price buyers pay (order placement reads it); the list price
 * the rules start from is `ticket_types.base_price_minor`, which is null until the first change and
 * then keeps the price the ticket type had before any change (later organiser edits of price_minor
 * through the events API are manual prices, not a new base).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table ticket_types add column base_price_minor integer check (base_price_minor >= 0);

    -- A rule set of one ticket type; rules is the definition validated by domain/pricing/definitions.ts.
    create table pricing_rules (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      ticket_type_id bigint not null references ticket_types(id) on delete cascade,
      strategy text not null check (strategy in ('time', 'demand', 'inventory', 'manual')),
      rules jsonb not null,
      priority integer not null default 0,
      status text not null default 'active' check (status in ('active', 'paused')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index pricing_rules_tenant on pricing_rules (tenant_id, id);
    -- What every evaluation loads: a ticket type's active rules.
    create index pricing_rules_ticket_type on pricing_rules (ticket_type_id, priority desc) where status = 'active';
    -- The demand sweep: a tenant's ticket types with active demand rules.
    create index pricing_rules_demand on pricing_rules (tenant_id, ticket_type_id)
      where status = 'active' and strategy = 'demand';

    -- Every change of the price buyers pay. rule_id survives its rule's deletion as null.
    create table price_changes (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      ticket_type_id bigint not null references ticket_types(id) on delete cascade,
      old_price_minor integer not null check (old_price_minor >= 0),
      new_price_minor integer not null check (new_price_minor >= 0),
      reason text not null,
      rule_id bigint references pricing_rules(id) on delete set null,
      source text not null check (source in ('rule', 'manual', 'test')),
      changed_at timestamptz not null default now()
    );
    -- Listing a ticket type's history, its last change, and the lowest price of the prior 30 days
    -- (the price at the window's start and every price set within it) from the index alone.
    create index price_changes_ticket_type on price_changes (ticket_type_id, changed_at desc, id desc)
      include (old_price_minor, new_price_minor);

    -- Sales velocity per ticket type (demand rules): its order lines without a scan of all orders.
    create index order_items_ticket_type on order_items (ticket_type_id) include (order_id, quantity);
  `);
  for (const table of ['pricing_rules', 'price_changes']) await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists order_items_ticket_type;
    drop table if exists price_changes, pricing_rules cascade;
    alter table ticket_types drop column if exists base_price_minor;
  `);
}
