import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * The proposal's upsell_products, upsell_rules and upsell_conversions (prices in integer minor units).
 * Inventory is held by counting: `reserved` and `sold` never pass `inventory` (a null inventory is unlimited),
 * so concurrent buyers of the last unit cannot both get it. Conversions record every impression, click and
 * purchase of an offer per display location, keyed by the offer id handed out with the offer.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table upsell_products (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint references events(id),
      name text not null check (length(name) between 1 and 200),
      description text,
      type text not null check (type in ('addon', 'upgrade', 'bundle', 'external')),
      category text,
      price_minor integer not null check (price_minor >= 0),
      original_price_minor integer check (original_price_minor >= 0),
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      inventory integer check (inventory >= 0),
      reserved integer not null default 0 check (reserved >= 0),
      sold integer not null default 0 check (sold >= 0),
      image_url text,
      display_in text not null default 'all' check (display_in in ('cart', 'checkout', 'confirmation', 'all')),
      -- Merchandise variants (e.g. sizes) the buyer picks from; inventory is the product's.
      variants jsonb not null default '[]',
      per_order_limit integer check (per_order_limit > 0),
      per_ticket_limit integer check (per_ticket_limit > 0),
      sale_starts_at timestamptz,
      sale_ends_at timestamptz,
      -- Parking, meet & greet, drink vouchers: each unit bought gets a code scanned once at a gate that accepts it.
      requires_redemption boolean not null default false,
      -- upgrade: the ticket type a ticket moves to, paying the difference.
      upgrade_ticket_type_id bigint references ticket_types(id),
      -- bundle: [{ "ticket_type_id"?: id, "product_id"?: id, "quantity": n }] sold at price_minor.
      bundle_items jsonb not null default '[]',
      -- external: the partner's link carrying the affiliate code; the partner reports conversions by signed callback.
      external_url text,
      affiliate_code text,
      status text not null default 'active' check (status in ('active', 'inactive')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (inventory is null or reserved + sold <= inventory),
      check ((type = 'upgrade') = (upgrade_ticket_type_id is not null)),
      check (type <> 'external' or external_url is not null)
    );
    create index upsell_products_tenant on upsell_products (tenant_id, id);
    create index upsell_products_event on upsell_products (tenant_id, event_id) where status = 'active';

    create table upsell_rules (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      product_id bigint not null references upsell_products(id) on delete cascade,
      rule_type text not null check (rule_type in ('always', 'ticket_type', 'customer_segment', 'cart_value')),
      conditions jsonb not null default '{}',
      priority integer not null default 100,
      created_at timestamptz not null default now()
    );
    create index upsell_rules_product on upsell_rules (tenant_id, product_id);

    create table upsell_conversions (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      product_id bigint not null references upsell_products(id) on delete cascade,
      rule_id bigint references upsell_rules(id) on delete set null,
      offer_id text not null,
      order_id bigint references orders(id),
      customer_id bigint references customers(id),
      display_location text not null check (display_location in ('cart', 'checkout', 'confirmation', 'player')),
      clicked_at timestamptz,
      converted boolean not null default false,
      converted_at timestamptz,
      revenue_minor integer not null default 0 check (revenue_minor >= 0),
      created_at timestamptz not null default now(),
      unique (tenant_id, offer_id)
    );
    create index upsell_conversions_product on upsell_conversions (tenant_id, product_id, display_location);
  `);
  for (const t of ['upsell_products', 'upsell_rules', 'upsell_conversions']) await enableTenantIsolation(knex, t);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists upsell_conversions, upsell_rules, upsell_products cascade');
}
