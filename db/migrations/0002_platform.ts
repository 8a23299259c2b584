import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table tenant_modules (
      tenant_id text not null references tenants(id),
      module text not null,
      plan text not null default 'standard',
      enabled boolean not null default true,
      rollout_percent integer not null default 100 check (rollout_percent between 0 and 100),
      settings jsonb not null default '{}',
      enabled_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, module)
    );

    create table usage_records (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      meter text not null,
      period char(7) not null,
      quantity integer not null check (quantity > 0),
      amount_minor integer not null check (amount_minor >= 0),
      currency char(3) not null default 'EUR',
      idempotency_key text not null,
      metadata jsonb not null default '{}',
      occurred_at timestamptz not null default now(),
      unique (tenant_id, idempotency_key)
    );
    create index usage_records_period on usage_records (tenant_id, period, meter);

    create table audit_log (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      actor_type text not null check (actor_type in ('api_key', 'customer', 'workflow', 'system', 'operator')),
      actor_id text not null,
      action text not null,
      entity_type text not null,
      entity_id text,
      before jsonb,
      after jsonb,
      occurred_at timestamptz not null default now()
    );
    create index audit_log_entity on audit_log (tenant_id, entity_type, entity_id);
    create index audit_log_time on audit_log (tenant_id, occurred_at);

    alter table outbox
      add column attempts integer not null default 0,
      add column next_attempt_at timestamptz not null default now(),
      add column last_error text;
    drop index outbox_pending;
    create index outbox_pending on outbox (next_attempt_at, id) where dispatched_at is null;

    -- The dispatcher serves every tenant; it learns which rows are due here and then works
    -- on each one inside that tenant's own row-level-security scope.
    create function usher_due_outbox(p_limit integer)
      returns table (id bigint, tenant_id text)
      language sql stable security definer set search_path = public as $$
        select o.id, o.tenant_id from outbox o
        where o.dispatched_at is null and o.next_attempt_at <= now()
        order by o.id limit p_limit
    $$;

    create function usher_notify_outbox() returns trigger language plpgsql as $$
    begin
      perform pg_notify('usher_outbox', '');
      return null;
    end $$;
    create trigger outbox_notify after insert on outbox for each statement execute function usher_notify_outbox();

    create table trigger_runs (
      outbox_id bigint not null references outbox(id),
      trigger text not null,
      tenant_id text not null references tenants(id),
      completed_at timestamptz not null default now(),
      primary key (outbox_id, trigger)
    );

    create table email_outbox (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      idempotency_key text not null,
      to_address text not null,
      subject text not null,
      text_body text not null,
      html_body text,
      status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      transport text,
      unique (tenant_id, idempotency_key)
    );
    create index email_outbox_queued on email_outbox (id) where status = 'queued';
  `);
  for (const table of ['tenant_modules', 'usage_records', 'audit_log', 'trigger_runs', 'email_outbox']) {
    await enableTenantIsolation(knex, table);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists email_outbox, trigger_runs, audit_log, usage_records, tenant_modules cascade;
    drop trigger if exists outbox_notify on outbox;
    drop function if exists usher_notify_outbox(), usher_due_outbox(integer);
    alter table outbox drop column attempts, drop column next_attempt_at, drop column last_error;
  `);
}
