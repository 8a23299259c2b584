import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Season seats and the proposal's season_ticket_allocations. A seat (section/row/seat) is held for
 * a subscription across every event its package covers; each event gets one `seat` allocation per
 * subscription, which holds one unit of a ticket type's inventory (counted in `sold`) until it is
 * claimed (a ticket is issued), exchanged or released. Flex redemptions and exchanges are recorded
 * as allocations too (`kind`), so a ticket's season origin is always one lookup away.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- scope_key names the package's scope (series tag or category and season window): one seat per scope.
    create table season_seats (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      subscription_id bigint not null unique references season_subscriptions(id),
      package_id bigint not null references season_packages(id),
      scope_key text not null,
      section text not null check (length(section) between 1 and 50),
      "row" text not null check (length("row") between 1 and 20),
      seat text not null check (length(seat) between 1 and 20),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, scope_key, section, "row", seat)
    );

    -- No foreign keys to the tenant, event and ticket type: an event's allocations are inserted
    -- 20,000 at a time, and each key would lock-check the same parent row once per allocation (the
    -- statement took five times as long with them, measured); those rows are never deleted.
    create table season_ticket_allocations (
      id bigint generated always as identity primary key,
      tenant_id text not null,
      subscription_id bigint not null references season_subscriptions(id),
      event_id bigint not null,
      ticket_type_id bigint not null,
      kind text not null default 'seat' check (kind in ('seat', 'flex', 'exchange')),
      section text,
      "row" text,
      seat text,
      status text not null default 'allocated' check (status in ('allocated', 'claimed', 'exchanged', 'released')),
      ticket_id bigint references tickets(id),
      order_id bigint references orders(id),
      exchanged_from_id bigint references season_ticket_allocations(id),
      claimed_at timestamptz,
      warned_at timestamptz,
      released_at timestamptz,
      release_reason text check (release_reason in ('holder', 'unclaimed', 'expired', 'cancelled', 'refunded')),
      resold_order_id bigint references orders(id),
      credit_entry_id bigint references store_credit_entries(id),
      credit_returned_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (status <> 'claimed' or ticket_id is not null),
      check (status <> 'released' or released_at is not null)
    );
    -- One seat allocation per subscription and event, however many triggers race.
    create unique index season_allocations_seat on season_ticket_allocations (subscription_id, event_id)
      where kind = 'seat';
    create index season_allocations_subscription on season_ticket_allocations (tenant_id, subscription_id, id);
    create index season_allocations_event on season_ticket_allocations (tenant_id, event_id, status);
    create unique index season_allocations_ticket on season_ticket_allocations (ticket_id) where ticket_id is not null;
    -- Released seats waiting to be sold again (the holder's store credit follows the sale).
    create index season_allocations_resale on season_ticket_allocations (ticket_type_id, released_at, id)
      where status = 'released' and resold_order_id is null and release_reason in ('holder', 'unclaimed');
  `);
  for (const table of ['season_seats', 'season_ticket_allocations']) await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists season_ticket_allocations, season_seats cascade');
}
