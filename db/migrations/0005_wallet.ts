import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Orders every pass change across tenants: Apple's "last updated" tag is the highest value a device has seen.
    create sequence wallet_pass_update_seq;

    create table wallet_passes (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      ticket_id bigint not null references tickets(id),
      order_id bigint not null references orders(id),
      platform text not null check (platform in ('apple', 'google')),
      -- Apple: the pass type id and serial; Google: the object id. Unique across tenants.
      pass_identifier text not null unique,
      serial_number text not null,
      auth_token text not null,
      update_seq bigint not null default nextval('wallet_pass_update_seq'),
      -- Whole seconds, strictly increasing per pass, so HTTP If-Modified-Since never hides a change.
      last_updated_at timestamptz not null default date_trunc('second', now()),
      voided_at timestamptz,
      created_at timestamptz not null default now(),
      unique (ticket_id, platform)
    );
    create index wallet_passes_ticket on wallet_passes (tenant_id, ticket_id);
    create index wallet_passes_serial on wallet_passes (platform, serial_number);

    create table wallet_push_registrations (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      pass_id bigint not null references wallet_passes(id) on delete cascade,
      device_library_id text not null,
      push_token text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (pass_id, device_library_id)
    );
    create index wallet_push_registrations_device on wallet_push_registrations (device_library_id);

    -- Apple's devices and e-mailed links come without tenant credentials: these lookups find the tenant a serial
    -- or a device belongs to, then the work goes on inside that tenant's row-level-security scope.
    create function usher_wallet_pass(p_platform text, p_serial text)
      returns table (tenant_id text, pass_id bigint)
      language sql stable security definer set search_path = public as $$
        select p.tenant_id, p.id from wallet_passes p where p.platform = p_platform and p.serial_number = p_serial
    $$;

    create function usher_wallet_device_updates(p_device text, p_since bigint)
      returns table (serial_number text, update_seq bigint)
      language sql stable security definer set search_path = public as $$
        select p.serial_number, p.update_seq from wallet_push_registrations r
        join wallet_passes p on p.id = r.pass_id
        where r.device_library_id = p_device and p.update_seq > p_since
        order by p.update_seq
    $$;
  `);
  for (const table of ['wallet_passes', 'wallet_push_registrations']) {
    await enableTenantIsolation(knex, table);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop function if exists usher_wallet_device_updates(text, bigint), usher_wallet_pass(text, text);
    drop table if exists wallet_push_registrations, wallet_passes cascade;
    drop sequence if exists wallet_pass_update_seq;
  `);
}
