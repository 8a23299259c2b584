import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * One row per subscription period being renewed, kept by its `season-renewal` workflow: the amount,
 * the charge attempts made (each also a `season_payments` row of kind 'renewal'), the reminders sent
 * and the outcome. Unique per (subscription, renewal date), so a repeated activity finds its own work.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table season_renewals (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      subscription_id bigint not null references season_subscriptions(id),
      renews_at timestamptz not null,
      amount_minor integer not null check (amount_minor >= 0),
      currency char(3) not null,
      status text not null default 'pending'
        check (status in ('pending', 'failing', 'renewed', 'expired', 'cancelled')),
      attempts integer not null default 0 check (attempts >= 0),
      last_failure text,
      next_retry_at timestamptz,
      grace_ends_at timestamptz not null,
      payment_id bigint references season_payments(id),
      -- The "days before" of each reminder sent, so a repeated activity never e-mails twice.
      reminders_sent integer[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (tenant_id, subscription_id, renews_at)
    );
    create index season_renewals_subscription on season_renewals (tenant_id, subscription_id, id);
  `);
  await enableTenantIsolation(knex, 'season_renewals');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists season_renewals');
}
