import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * Reviews by verified attendees (one per customer and event, with the check-in that verified it), their
 * moderation log, and response automation rules with a record of which rule ran for which response
 * (so a response edited later never alerts twice).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table survey_reviews (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      customer_id bigint not null references customers(id),
      -- The checked-in ticket that makes the reviewer a verified attendee.
      ticket_id bigint not null references tickets(id),
      checked_in_at timestamptz not null,
      rating smallint not null check (rating between 1 and 5),
      title text check (length(title) between 1 and 200),
      body text not null check (length(body) between 1 and 5000),
      reviewer_name text not null,
      publish_consent boolean not null default false,
      status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
      -- Chosen by the organiser for the tenant's site: only an approved review its reviewer agreed to publish.
      testimonial boolean not null default false check (not testimonial or (status = 'approved' and publish_consent)),
      organiser_response text check (length(organiser_response) between 1 and 5000),
      responded_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (event_id, customer_id)
    );
    create index survey_reviews_tenant on survey_reviews (tenant_id, event_id, status, id);

    create table survey_review_moderations (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      review_id bigint not null references survey_reviews(id) on delete cascade,
      from_status text not null,
      to_status text not null,
      reason text,
      moderator text,
      api_key_id bigint references api_keys(id),
      created_at timestamptz not null default now()
    );
    create index survey_review_moderations_review on survey_review_moderations (review_id, id);

    create table survey_rules (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      name text not null check (length(name) between 1 and 200),
      survey_id bigint references surveys(id) on delete cascade,
      enabled boolean not null default true,
      nps_min smallint check (nps_min between 0 and 10),
      nps_max smallint check (nps_max between 0 and 10),
      actions jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (nps_min is not null or nps_max is not null),
      check (nps_min is null or nps_max is null or nps_min <= nps_max)
    );
    create index survey_rules_tenant on survey_rules (tenant_id, id);

    create table survey_rule_runs (
      tenant_id text not null references tenants(id),
      rule_id bigint not null references survey_rules(id) on delete cascade,
      response_id bigint not null references survey_responses(id) on delete cascade,
      actions text[] not null,
      created_at timestamptz not null default now(),
      primary key (rule_id, response_id)
    );
  `);
  for (const t of ['survey_reviews', 'survey_review_moderations', 'survey_rules', 'survey_rule_runs'])
    await enableTenantIsolation(knex, t);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'drop table if exists survey_rule_runs, survey_rules, survey_review_moderations, survey_reviews cascade',
  );
}
