import type { Knex } from 'knex';
import { enableTenantIsolation } from './rls';

/**
 * The roster: the group's attendee questions and its reassignment cut-off, and invitations. An invitation's signed
 * link names its row, so revoking the row (the seat was reassigned) closes the old link while the seat lives on.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table groups
      add column questions jsonb not null default '[]',
      add column reassign_cutoff_at timestamptz;

    create table group_invitations (
      id bigint generated always as identity primary key,
      tenant_id text not null references tenants(id),
      group_id bigint not null references groups(id) on delete cascade,
      member_id bigint not null references group_members(id) on delete cascade,
      email text not null,
      status text not null default 'sent' check (status in ('sent', 'accepted', 'revoked')),
      sends integer not null default 0,
      last_sent_at timestamptz,
      accepted_at timestamptz,
      created_at timestamptz not null default now()
    );
    create index group_invitations_member on group_invitations (tenant_id, member_id);
    create index group_invitations_group on group_invitations (tenant_id, group_id);
  `);
  await enableTenantIsolation(knex, 'group_invitations');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists group_invitations cascade;
    alter table groups drop column if exists reassign_cutoff_at, drop column if exists questions;
  `);
}
