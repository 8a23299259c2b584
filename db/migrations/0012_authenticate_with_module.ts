import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- A route of an add-on module needs the key and the tenant's module row: one round trip for both.
    create function usher_authenticate_key(p_hash text, p_module text)
      returns table (key_id bigint, tenant_id text, scopes text[], module_enabled boolean, module_rollout_percent integer)
      language sql security definer set search_path = public as $$
        select k.key_id, k.tenant_id, k.scopes, m.enabled, m.rollout_percent
        from usher_authenticate_key(p_hash) k left join tenant_modules m on m.tenant_id = k.tenant_id and m.module = p_module
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function usher_authenticate_key(text, text)');
}
