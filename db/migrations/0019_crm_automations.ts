import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * CRM automations (the proposal's `automation_workflows` and `automation_steps`) and their
 * enrolments, one per (automation, customer) run, each driven by a `crm-enrolment` workflow.
 *
 * Steps are versioned: editing an automation's steps writes a new version, and an enrolment keeps
 * the version it started with. At most one active (running or paused) enrolment per automation and
 * customer; whether a customer may enter again after that is the trigger config's `reentry`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table automation_workflows (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null,
      trigger_type text not null check (trigger_type in ('event', 'schedule', 'segment_entry', 'manual')),
      trigger_config jsonb not null default '{}',
      status text not null default 'draft' check (status in ('active', 'paused', 'draft')),
      version integer not null default 1,
      holdout_pct numeric(5, 2) not null default 5 check (holdout_pct between 0 and 100),
      -- Multiplies every wait and lapse (1 = real time); tests and demos run days as seconds.
      time_scale double precision not null default 1 check (time_scale > 0 and time_scale <= 1),
      template text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index automation_workflows_active on automation_workflows (tenant_id, trigger_type) where status = 'active';

    create table automation_steps (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      workflow_id bigint not null references automation_workflows(id) on delete cascade,
      version integer not null,
      step_order integer not null,
      action_type text not null check (action_type in ('email', 'wait', 'condition', 'tag', 'webhook')),
      action_config jsonb not null,
      created_at timestamptz not null default now(),
      unique (workflow_id, version, step_order)
    );

    create table automation_enrolments (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      automation_id bigint not null references automation_workflows(id) on delete cascade,
      version integer not null,
      customer_id bigint not null references customers(id),
      holdout boolean not null default false,
      status text not null default 'running' check (status in ('running', 'paused', 'completed', 'exited')),
      exit_reason text,
      -- Set by a trigger (unsubscribe, consent withdrawn, erasure): the enrolment exits at its next step.
      exit_requested text,
      current_step integer not null default 0,
      workflow_id text generated always as ('crm-enrolment/' || tenant_id || '/' || id) stored,
      -- The outbox event that enrolled it, so the trigger's after-commit part starts exactly its workflows.
      source_event_id bigint,
      enrolled_at timestamptz not null default now(),
      ended_at timestamptz,
      converted_at timestamptz,
      revenue_minor bigint not null default 0,
      currency char(3)
    );
    create unique index automation_enrolments_active on automation_enrolments (automation_id, customer_id)
      where status in ('running', 'paused');
    -- A customer's enrolments: opt-outs and conversions find them on every order and unsubscribe.
    create index automation_enrolments_customer on automation_enrolments (customer_id);
    -- "Ever enrolled" for triggers without re-entry.
    create index automation_enrolments_automation_customer on automation_enrolments (automation_id, customer_id);
    create index automation_enrolments_list on automation_enrolments (automation_id, id);
    create index automation_enrolments_source on automation_enrolments (source_event_id) where source_event_id is not null;
  `);
  for (const table of ['automation_workflows', 'automation_steps', 'automation_enrolments'])
    await enableTenantIsolation(knex, table);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists automation_enrolments;
    drop table if exists automation_steps;
    drop table if exists automation_workflows;
  `);
}
