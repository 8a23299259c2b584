import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Groups (a leader, an event, a size, seats held for a hold period) and their members: one row per seat,
 * with the invited person, their details, the seat's group price and the ticket issued for the seat.
 * A seat held by a group is counted in its ticket type's `sold` from creation until it is released.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table groups (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      leader_customer_id bigint not null references customers(id),
      name text not null check (length(name) between 1 and 200),
      size integer not null check (size between 1 and 10000),
      status text not null default 'held'
        check (status in ('held', 'confirmed', 'completed', 'expired', 'cancelled')),
      currency char(3),
      payment_mode text not null default 'leader' check (payment_mode in ('leader', 'members', 'mixed')),
      hold_expires_at timestamptz,
      payment_deadline_at timestamptz,
      order_id bigint references orders(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index groups_tenant on groups (tenant_id, id);
    create index groups_leader on groups (tenant_id, leader_customer_id);

    create table group_members (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      group_id bigint not null references groups(id) on delete cascade,
      ticket_type_id bigint not null references ticket_types(id),
      customer_id bigint references customers(id),
      name text,
      email text,
      details jsonb not null default '{}',
      status text not null default 'open'
        check (status in ('open', 'invited', 'accepted', 'completed', 'released')),
      price_minor integer check (price_minor >= 0),
      covered_by_leader boolean not null default false,
      paid_at timestamptz,
      ticket_id bigint references tickets(id),
      invited_at timestamptz,
      accepted_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index group_members_group on group_members (tenant_id, group_id);
  `);
  for (const t of ['groups', 'group_members']) await enableTenantIsolation(knex, t);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists group_members, groups cascade');
}
