import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * What buyers bought of the upsell catalogue. An order's add-on, bundle and upgrade lines hold their
 * units in the product's `reserved` counter while unpaid and move them to `sold` once paid. Lines
 * bought after the order was paid carry their own payment (`upsell_payments`: the difference, shown
 * in the order's view). Each unit of a product that needs redemption gets a voucher code, admitted
 * once at a gate that accepts vouchers (`checkin_gates.accepts_vouchers`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table upsell_payments (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      order_id bigint not null references orders(id),
      amount_minor integer not null check (amount_minor >= 0),
      currency char(3) not null,
      provider text not null,
      reference text,
      client_secret text,
      status text not null default 'pending' check (status in ('pending', 'paid', 'failed')),
      created_at timestamptz not null default now(),
      paid_at timestamptz
    );
    create index upsell_payments_order on upsell_payments (tenant_id, order_id);

    create table upsell_order_lines (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      order_id bigint not null references orders(id),
      product_id bigint not null references upsell_products(id),
      kind text not null check (kind in ('addon', 'bundle', 'upgrade')),
      -- Null: paid with the order itself; else the later payment of the difference.
      payment_id bigint references upsell_payments(id),
      -- An upgrade's ticket (the one moved to the better type).
      ticket_id bigint references tickets(id),
      quantity integer not null check (quantity > 0),
      variant text,
      unit_price_minor integer not null check (unit_price_minor >= 0),
      currency char(3) not null,
      offer_id text,
      status text not null default 'pending' check (status in ('pending', 'paid', 'cancelled', 'refunded')),
      created_at timestamptz not null default now(),
      paid_at timestamptz,
      refunded_at timestamptz,
      -- What was given back when refunded, by the refund policy (alone, or with the order's tickets).
      refund_minor integer check (refund_minor >= 0)
    );
    create index upsell_order_lines_order on upsell_order_lines (tenant_id, order_id);
    create index upsell_order_lines_payment on upsell_order_lines (payment_id) where payment_id is not null;

    create table upsell_vouchers (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      line_id bigint not null references upsell_order_lines(id),
      event_id bigint not null references events(id),
      code text not null unique,
      status text not null default 'valid' check (status in ('valid', 'redeemed', 'cancelled')),
      redeemed_at timestamptz,
      redeemed_gate_id bigint references checkin_gates(id),
      created_at timestamptz not null default now()
    );
    create index upsell_vouchers_line on upsell_vouchers (tenant_id, line_id);

    alter table checkin_gates add column accepts_vouchers boolean not null default false;
  `);
  for (const t of ['upsell_payments', 'upsell_order_lines', 'upsell_vouchers']) await enableTenantIsolation(knex, t);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table checkin_gates drop column if exists accepts_vouchers;
    drop table if exists upsell_vouchers, upsell_order_lines, upsell_payments cascade;
  `);
}
