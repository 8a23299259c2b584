import type { Knex } from 'knex';

/** Row-level security keyed on the per-transaction `app.tenant_id` setting; unset means no rows. */
export async function enableTenantIsolation(knex: Knex, table: string): Promise<void> {
  await knex.raw(
    `
    alter table ?? enable row level security;
    create policy tenant_isolation on ?? 
      using (tenant_id = current_setting('app.tenant_id', true))
      with check (tenant_id = current_setting('app.tenant_id', true));
  `,
    [table, table],
  );
}
