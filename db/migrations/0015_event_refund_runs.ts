import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * `seats_pending`: a request approved on submission cancels its tickets in the request's own
 * transaction but gives the seats back right after, in a batch shared with concurrent requests,
 * so accepting a request never queues on the ticket type's row; the flag is what is still owed.
 *
 * `event_refund_runs`: one mass refund per cancelled event, with its progress. Each order it
 * refunds becomes a refund request tagged with the run, at most one per order and run.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table refund_requests add column seats_pending boolean not null default false;
    create index refund_requests_seats_pending on refund_requests (id) where seats_pending;

    create table event_refund_runs (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      event_id bigint not null references events(id),
      mode text not null check (mode in ('refund', 'credit')),
      reason text,
      status text not null default 'running' check (status in ('running', 'completed')),
      workflow_id text not null,
      total integer not null default 0,
      done integer not null default 0,
      failed integer not null default 0,
      refunded_minor bigint not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      unique (tenant_id, event_id)
    );

    alter table refund_requests add column event_refund_run_id bigint references event_refund_runs(id);
    create unique index refund_requests_run_order on refund_requests (event_refund_run_id, order_id)
      where event_refund_run_id is not null;
    create index refund_requests_run_status on refund_requests (event_refund_run_id, status, id)
      where event_refund_run_id is not null;
  `);
  await enableTenantIsolation(knex, 'event_refund_runs');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table refund_requests drop column event_refund_run_id, drop column seats_pending;
    drop table if exists event_refund_runs;
  `);
}
