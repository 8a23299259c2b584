import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One policy per event, and at most one tenant default (event_id null).
    create table refund_policies (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint references events(id),
      name text not null,
      rules jsonb not null,
      is_default boolean not null generated always as (event_id is null) stored,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index refund_policies_event on refund_policies (tenant_id, event_id) where event_id is not null;
    create unique index refund_policies_default on refund_policies (tenant_id) where event_id is null;

    create table refund_requests (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      order_id bigint not null references orders(id),
      event_id bigint not null references events(id),
      customer_id bigint not null references customers(id),
      type text not null check (type in ('refund', 'exchange', 'transfer', 'credit')),
      reason text,
      status text not null check (status in ('pending', 'approved', 'rejected', 'processed')),
      within_policy boolean not null,
      currency char(3) not null,
      original_amount_minor integer not null check (original_amount_minor >= 0),
      refund_amount_minor integer not null default 0 check (refund_amount_minor >= 0),
      fee_amount_minor integer not null default 0 check (fee_amount_minor >= 0),
      quote jsonb not null,
      details jsonb not null default '{}',
      payment_refund_id text,
      decided_by text,
      decision_note text,
      decided_at timestamptz,
      processed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index refund_requests_status on refund_requests (tenant_id, status, id);
    create index refund_requests_customer on refund_requests (tenant_id, customer_id);

    -- A ticket is in at most one live request: the partial unique index is what turns a double
    -- submission (even two racing ones) into a single request.
    create table refund_request_tickets (
      tenant_id text not null references tenants(id),
      request_id bigint not null references refund_requests(id),
      ticket_id bigint not null references tickets(id),
      paid_minor integer not null,
      new_ticket_id bigint references tickets(id),
      active boolean not null default true,
      primary key (request_id, ticket_id)
    );
    create unique index refund_request_tickets_live on refund_request_tickets (ticket_id) where active;

    -- Store credit is a ledger: the balance is the sum of entries, never a number updated in place.
    create table store_credit_entries (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      customer_id bigint not null references customers(id),
      currency char(3) not null,
      amount_minor integer not null check (amount_minor <> 0),
      kind text not null check (kind in ('refund_credit', 'exchange', 'order_payment', 'adjustment')),
      refund_request_id bigint references refund_requests(id),
      order_id bigint references orders(id),
      note text,
      idempotency_key text not null,
      created_at timestamptz not null default now(),
      unique (tenant_id, idempotency_key)
    );
    create index store_credit_customer on store_credit_entries (tenant_id, customer_id, currency);

    alter table orders drop constraint orders_payment_provider_check;
    alter table orders add constraint orders_payment_provider_check check (payment_provider in ('offline', 'stripe', 'external', 'credit'));
  `);
  for (const table of ['refund_policies', 'refund_requests', 'refund_request_tickets', 'store_credit_entries']) {
    await enableTenantIsolation(knex, table);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table orders drop constraint orders_payment_provider_check;
    alter table orders add constraint orders_payment_provider_check check (payment_provider in ('offline', 'stripe', 'external'));
    drop table if exists store_credit_entries, refund_request_tickets, refund_requests, refund_policies cascade;
  `);
}
