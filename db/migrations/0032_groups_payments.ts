import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Group payments: each share (one member's seat, or the seats the leader covers) is a payment of its own with
 * its own idempotency key. A share paid after its seat was released is kept as `refund_due` until refunded.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table group_payments (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      group_id bigint not null references groups(id) on delete cascade,
      member_ids bigint[] not null check (cardinality(member_ids) > 0),
      payer text not null check (payer in ('leader', 'member')),
      amount_minor integer not null check (amount_minor >= 0),
      currency char(3) not null,
      provider text not null,
      provider_ref text,
      idempotency_key text not null,
      status text not null default 'pending'
        check (status in ('pending', 'succeeded', 'failed', 'refund_due', 'refunded')),
      paid_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, idempotency_key)
    );
    create index group_payments_group on group_payments (tenant_id, group_id);
  `);
  await enableTenantIsolation(knex, 'group_payments');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists group_payments cascade');
}
