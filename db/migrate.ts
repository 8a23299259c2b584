import { APP_DB_ROLE, loadConfig } from '../lib/config';
import { createDb, type Db } from './connection';
import { migrationSource } from './migrations';

/** Creates (or re-passwords) the application role; roles are cluster-wide, so this is idempotent. */
async function ensureAppRole(owner: Db, password: string): Promise<void> {
  const exists = await owner.raw('select 1 from pg_roles where rolname = ?', [APP_DB_ROLE]);
  const verb = exists.rows.length ? 'alter' : 'create';
  await owner.raw(
    `${verb} role ${APP_DB_ROLE} with login nosuperuser nobypassrls password '${password.replace(/'/g, "''")}'`,
  );
}

async function grantAppRole(owner: Db): Promise<void> {
  await owner.raw(`
    grant usage on schema public to ${APP_DB_ROLE};
    grant select, insert, update, delete on all tables in schema public to ${APP_DB_ROLE};
    grant usage, select on all sequences in schema public to ${APP_DB_ROLE};
    revoke all on knex_migrations, knex_migrations_lock from ${APP_DB_ROLE};
    -- The audit trail is append-only for the application.
    revoke update, delete, truncate on audit_log from ${APP_DB_ROLE};
    revoke execute on all functions in schema public from public;
    grant execute on all functions in schema public to ${APP_DB_ROLE};
  `);
}

/** Runs as the owner: migrations, then the grants the application role works with. */
export async function migrate(ownerUrl: string, appPassword: string): Promise<string[]> {
  const owner = createDb(ownerUrl, 2);
  try {
    await ensureAppRole(owner, appPassword);
    const [, applied] = (await owner.migrate.latest({ migrationSource })) as [number, string[]];
    await grantAppRole(owner);
    return applied;
  } finally {
    await owner.destroy();
  }
}

if (require.main === module) {
  const config = loadConfig();
  migrate(config.DATABASE_URL, config.APP_DATABASE_PASSWORD)
    .then((applied) => console.log(JSON.stringify({ migrated: applied })))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
