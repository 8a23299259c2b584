import type { Knex } from 'knex';

/**
 * An Idempotency-Key belongs to the credential that sent it (`key:<api key id>` or
 * `customer:<customer id>`): another caller's use of the same key is a different request, never a
 * replay of this one. Keys stored before this knew no caller; `legacy` matches no new caller, so they
 * replay to nobody and block nobody. The row-level-security policy on `tenant_id` stays as it is.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table idempotency_keys add column caller text not null default 'legacy';
    alter table idempotency_keys alter column caller drop default;
    alter table idempotency_keys drop constraint idempotency_keys_pkey;
    alter table idempotency_keys add primary key (tenant_id, caller, key);
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Keys shared by several callers keep only their first use, so that (tenant_id, key) is unique again.
  await knex.raw(`
    delete from idempotency_keys k using idempotency_keys e
      where e.tenant_id = k.tenant_id and e.key = k.key and (e.created_at, e.caller) < (k.created_at, k.caller);
    alter table idempotency_keys drop constraint idempotency_keys_pkey;
    alter table idempotency_keys drop column caller;
    alter table idempotency_keys add primary key (tenant_id, key);
  `);
}
