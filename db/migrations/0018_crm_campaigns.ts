import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

const TABLES = [
  'email_templates',
  'campaigns',
  'campaign_variants',
  'crm_messages',
  'email_events',
  'email_suppressions',
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table email_templates (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null,
      subject text not null,
      mjml text not null,
      text text,
      deleted_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index email_templates_tenant on email_templates (tenant_id, id) where deleted_at is null;

    create table campaigns (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null,
      segment_id bigint not null,
      template_id bigint references email_templates(id),
      subject text,
      status text not null default 'draft'
        check (status in ('draft', 'scheduled', 'testing', 'sending', 'sent', 'cancelled')),
      test_share_pct numeric(5, 2) not null default 0 check (test_share_pct >= 0 and test_share_pct <= 100),
      winner_metric text not null default 'click_rate' check (winner_metric in ('click_rate', 'conversion_rate')),
      test_wait_s integer not null default 14400 check (test_wait_s >= 0),
      winner_variant text,
      winner_manual boolean not null default false,
      winner_p_value double precision,
      send_time_optimised boolean not null default false,
      spread_s integer not null default 86400 check (spread_s > 0),
      attribution_days integer not null default 7 check (attribution_days > 0),
      scheduled_at timestamptz,
      started_at timestamptz,
      completed_at timestamptz,
      workflow_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index campaigns_tenant on campaigns (tenant_id, id);

    create table campaign_variants (
      tenant_id text not null references tenants(id),
      campaign_id bigint not null references campaigns(id) on delete cascade,
      key text not null check (key in ('A', 'B', 'C', 'D')),
      subject text,
      template_id bigint not null references email_templates(id),
      primary key (campaign_id, key)
    );

    -- Every marketing send (campaigns and automations): one row per recipient, never two for one dedupe key.
    create table crm_messages (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      customer_id bigint not null references customers(id),
      to_address text not null,
      campaign_id bigint references campaigns(id),
      variant text,
      automation_id bigint,
      enrolment_id bigint,
      step integer,
      template_id bigint not null references email_templates(id),
      subject text,
      dedupe_key text not null,
      -- pending: in an A/B campaign's audience, waiting for the winning variant.
      status text not null default 'queued'
        check (status in ('pending', 'queued', 'sending', 'sent', 'failed', 'suppressed', 'held_out')),
      suppress_reason text,
      send_after timestamptz not null default now(),
      lease_until timestamptz,
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      smtp_message_id text,
      unique (tenant_id, dedupe_key)
    );
    create index crm_messages_due on crm_messages (send_after, id) where status in ('queued', 'sending');
    create index crm_messages_campaign on crm_messages (campaign_id, variant) where campaign_id is not null;
    create index crm_messages_customer_sent on crm_messages (tenant_id, customer_id, sent_at);
    -- A campaign reaches an address once, even when two customer rows share it.
    create unique index crm_messages_campaign_address on crm_messages (campaign_id, lower(to_address))
      where campaign_id is not null;

    create table email_events (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      message_id bigint not null references crm_messages(id),
      customer_id bigint not null references customers(id),
      kind text not null check (kind in ('open', 'click', 'bounce', 'complaint', 'unsubscribe')),
      machine boolean not null default false,
      url text,
      at timestamptz not null default now()
    );
    create index email_events_message on email_events (message_id, kind);
    create index email_events_customer on email_events (tenant_id, customer_id, kind, at);

    create table email_suppressions (
      tenant_id text not null references tenants(id),
      email text not null,
      reason text not null check (reason in ('unsubscribe', 'hard_bounce', 'complaint')),
      at timestamptz not null default now(),
      primary key (tenant_id, email)
    );
  `);
  for (const table of TABLES) await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [...TABLES].reverse()) await knex.schema.dropTableIfExists(table);
}
