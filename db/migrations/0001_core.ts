import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table tenants (
      id text primary key,
      name text not null,
      settings jsonb not null default '{}',
      created_at timestamptz not null default now()
    );

    create table api_keys (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null,
      prefix text not null,
      key_hash text not null unique,
      scopes text[] not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create index api_keys_tenant on api_keys (tenant_id);

    create table events (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      external_ref text,
      name text not null,
      description text,
      venue_name text not null,
      venue_address text,
      venue_latitude double precision,
      venue_longitude double precision,
      timezone text not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      capacity integer not null check (capacity >= 0),
      status text not null default 'draft'
        check (status in ('draft', 'on_sale', 'sold_out', 'ended', 'cancelled')),
      allow_reentry boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (ends_at > starts_at),
      unique (tenant_id, external_ref)
    );
    create index events_tenant_starts on events (tenant_id, starts_at);

    create table ticket_types (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      name text not null,
      price_minor integer not null check (price_minor >= 0),
      currency char(3) not null,
      inventory integer not null check (inventory >= 0),
      sold integer not null default 0 check (sold >= 0),
      sales_start_at timestamptz,
      sales_end_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (sold <= inventory)
    );
    create index ticket_types_event on ticket_types (tenant_id, event_id);

    create table customers (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      external_ref text,
      email text not null,
      name text not null,
      phone text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, email),
      unique (tenant_id, external_ref)
    );

    create sequence order_number_seq start 1000;

    create table orders (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      customer_id bigint not null references customers(id),
      order_number text not null,
      status text not null default 'pending'
        check (status in ('pending', 'paid', 'cancelled', 'expired', 'failed')),
      currency char(3) not null,
      total_minor integer not null check (total_minor >= 0),
      payment_provider text not null check (payment_provider in ('offline', 'stripe', 'external')),
      payment_reference text,
      payment_client_secret text,
      paid_at timestamptz,
      external_ref text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, order_number),
      unique (tenant_id, external_ref)
    );
    create index orders_customer on orders (tenant_id, customer_id);
    create index orders_event on orders (tenant_id, event_id);
    create index orders_payment_ref on orders (payment_provider, payment_reference);

    create table order_items (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      order_id bigint not null references orders(id),
      ticket_type_id bigint not null references ticket_types(id),
      quantity integer not null check (quantity > 0),
      unit_price_minor integer not null check (unit_price_minor >= 0),
      ticket_codes text[]
    );
    create index order_items_order on order_items (order_id);

    create table tickets (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      order_id bigint not null references orders(id),
      ticket_type_id bigint not null references ticket_types(id),
      customer_id bigint not null references customers(id),
      code text not null,
      status text not null default 'valid'
        check (status in ('valid', 'cancelled', 'voided', 'transferred')),
      holder_name text,
      holder_email text,
      section text,
      seat text,
      replaced_by_ticket_id bigint references tickets(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, code)
    );
    create index tickets_order on tickets (order_id);
    create index tickets_event on tickets (tenant_id, event_id);
    create index tickets_customer on tickets (tenant_id, customer_id);

    create table outbox (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      type text not null,
      aggregate_type text not null,
      aggregate_id text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      dispatched_at timestamptz
    );
    create index outbox_pending on outbox (id) where dispatched_at is null;

    create table idempotency_keys (
      tenant_id text not null references tenants(id),
      key text not null,
      method text not null,
      path text not null,
      request_hash text not null,
      status_code integer,
      response jsonb,
      created_at timestamptz not null default now(),
      primary key (tenant_id, key)
    );

    -- Authentication happens before the tenant is known, so this one lookup runs as the owner.
    create function usher_authenticate_key(p_hash text)
      returns table (key_id bigint, tenant_id text, scopes text[])
      language plpgsql security definer set search_path = public as $$
    begin
      update api_keys k set last_used_at = now()
        where k.key_hash = p_hash and k.revoked_at is null
          and (k.last_used_at is null or k.last_used_at < now() - interval '1 minute');
      return query select k.id, k.tenant_id, k.scopes from api_keys k
        where k.key_hash = p_hash and k.revoked_at is null;
    end $$;
  `);
  await knex.raw(`create policy tenant_isolation on tenants
    using (id = current_setting('app.tenant_id', true))
    with check (id = current_setting('app.tenant_id', true));
    alter table tenants enable row level security;`);
  for (const table of [
    'api_keys',
    'events',
    'ticket_types',
    'customers',
    'orders',
    'order_items',
    'tickets',
    'outbox',
    'idempotency_keys',
  ]) {
    await enableTenantIsolation(knex, table);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop function if exists usher_authenticate_key(text);
    drop table if exists idempotency_keys, outbox, tickets, order_items, orders, customers, ticket_types, events, api_keys, tenants cascade;
  `);
}
