import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * The proposal's season_packages and season_subscriptions (prices in integer minor units), the payments
 * that bill them (purchase, renewal, instalment, proration, manual) and the payment provider's events
 * already handled (a repeated webhook changes nothing).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Scope: full and VIP packages cover the events of the season window carrying series_tag (every
    -- event of the window without one), including events added later; category packages the events
    -- of that category; flex packages any event of the window, credits limiting how many.
    create table season_packages (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null check (length(name) between 1 and 200),
      description text,
      type text not null check (type in ('full', 'flex', 'category', 'vip')),
      price_minor integer not null check (price_minor >= 0),
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      billing_cycle text not null check (billing_cycle in ('annual', 'monthly', 'one-time')),
      flex_credits integer check (flex_credits > 0),
      benefits jsonb not null default '{}',
      series_tag text,
      category text,
      season_starts_at timestamptz not null,
      season_ends_at timestamptz not null,
      status text not null default 'active' check (status in ('active', 'inactive')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (season_ends_at > season_starts_at),
      check ((type = 'flex') = (flex_credits is not null)),
      check (type <> 'category' or category is not null)
    );
    create index season_packages_tenant on season_packages (tenant_id, id);
    create index season_packages_active on season_packages (tenant_id, season_ends_at) where status = 'active';

    create table season_subscriptions (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      package_id bigint not null references season_packages(id),
      customer_id bigint not null references customers(id),
      status text not null default 'active' check (status in ('active', 'paused', 'cancelled', 'expired')),
      flex_credits_remaining integer check (flex_credits_remaining >= 0),
      price_minor integer not null check (price_minor >= 0),
      currency char(3) not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      auto_renew boolean not null default true,
      renews_at timestamptz,
      paused_until timestamptz,
      cancel_at_period_end boolean not null default false,
      cancelled_at timestamptz,
      payment_provider text not null check (payment_provider in ('stripe', 'offline')),
      stripe_customer_id text,
      stripe_subscription_id text,
      stripe_subscription_schedule_id text,
      instalments integer not null default 1 check (instalments between 1 and 24),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (ends_at > starts_at),
      check (status <> 'paused' or paused_until is not null)
    );
    create index season_subscriptions_tenant on season_subscriptions (tenant_id, id);
    create index season_subscriptions_customer on season_subscriptions (tenant_id, customer_id, id);
    create index season_subscriptions_package on season_subscriptions (package_id, status);
    create index season_subscriptions_renews on season_subscriptions (tenant_id, renews_at) where status = 'active';
    create unique index season_subscriptions_stripe on season_subscriptions (stripe_subscription_id)
      where stripe_subscription_id is not null;
    create unique index season_subscriptions_stripe_schedule on season_subscriptions (stripe_subscription_schedule_id)
      where stripe_subscription_schedule_id is not null;

    create table season_payments (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      subscription_id bigint not null references season_subscriptions(id),
      kind text not null check (kind in ('purchase', 'renewal', 'instalment', 'proration', 'manual')),
      amount_minor integer not null,
      currency char(3) not null,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'refunded')),
      provider text not null check (provider in ('stripe', 'offline')),
      provider_ref text,
      attempt integer not null default 1 check (attempt >= 1),
      failure_reason text,
      created_at timestamptz not null default now()
    );
    create unique index season_payments_provider_ref on season_payments (provider, provider_ref)
      where provider_ref is not null;
    create index season_payments_subscription on season_payments (tenant_id, subscription_id, id);

    -- Webhook events already applied, keyed on the provider's event id.
    create table season_provider_events (
      provider text not null,
      event_id text not null,
      tenant_id text not null references tenants(id),
      type text not null,
      received_at timestamptz not null default now(),
      primary key (provider, event_id)
    );
  `);
  for (const table of ['season_packages', 'season_subscriptions', 'season_payments', 'season_provider_events']) {
    await enableTenantIsolation(knex, table);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists season_provider_events, season_payments, season_subscriptions, season_packages cascade;
  `);
}
