import type { Knex } from 'knex';

/**
 * The group's code at the gate (`grp_` and 32 hex digits: unguessable, and never a ticket code, whose alphabet is
 * upper case), the gate setting that lets it admit a whole group, and the refunds-module request each refunded
 * share was refunded through.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table groups add column gate_code text not null default ('grp_' || replace(gen_random_uuid()::text, '-', ''));
    create unique index groups_gate_code on groups (tenant_id, gate_code);
    alter table checkin_gates add column admits_group_codes boolean not null default false;
    alter table group_payments add column refund_request_id bigint references refund_requests(id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table group_payments drop column if exists refund_request_id;
    alter table checkin_gates drop column if exists admits_group_codes;
    alter table groups drop column if exists gate_code;
  `);
}
