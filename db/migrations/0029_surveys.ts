import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Surveys per tenant or event, versioned (a response keeps the version it answered), their recipients
 * (one per person per survey and event: the signed link's subject) and their responses (one per recipient).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table surveys (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint references events(id),
      name text not null check (length(name) between 1 and 200),
      status text not null default 'active' check (status in ('draft', 'active', 'archived')),
      version integer not null default 1 check (version >= 1),
      -- Who an ended event sends it to: its checked-in attendees, or (a survey of its own) its no-shows.
      audience text not null default 'attended' check (audience in ('attended', 'no_shows')),
      auto_send boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index surveys_tenant on surveys (tenant_id, id);

    -- One row per published version: questions as JSON (types, required flags, conditions, translations).
    create table survey_versions (
      tenant_id text not null references tenants(id),
      survey_id bigint not null references surveys(id) on delete cascade,
      version integer not null,
      questions jsonb not null,
      created_at timestamptz not null default now(),
      primary key (survey_id, version)
    );

    create table survey_recipients (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      survey_id bigint not null references surveys(id) on delete cascade,
      event_id bigint references events(id),
      customer_id bigint not null references customers(id),
      ticket_id bigint references tickets(id),
      ticket_type_id bigint references ticket_types(id),
      gate text,
      email text not null,
      sent_at timestamptz,
      reminded_at timestamptz,
      closes_at timestamptz,
      created_at timestamptz not null default now(),
      unique (survey_id, event_id, customer_id)
    );
    create index survey_recipients_event on survey_recipients (tenant_id, survey_id, event_id);

    create table survey_responses (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      survey_id bigint not null references surveys(id) on delete cascade,
      version integer not null,
      recipient_id bigint unique references survey_recipients(id) on delete cascade,
      event_id bigint references events(id),
      customer_id bigint references customers(id),
      ticket_type_id bigint references ticket_types(id),
      gate text,
      answers jsonb not null default '{}',
      nps_score smallint check (nps_score between 0 and 10),
      -- False while only the one-click score is in: the rest of the survey is still to be filled in.
      complete boolean not null default true,
      submitted_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index survey_responses_survey on survey_responses (tenant_id, survey_id, event_id);
  `);
  for (const t of ['surveys', 'survey_versions', 'survey_recipients', 'survey_responses'])
    await enableTenantIsolation(knex, t);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists survey_responses, survey_recipients, survey_versions, surveys cascade');
}
