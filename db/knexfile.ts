import type { Knex } from 'knex';
import { loadConfig } from '../lib/config';
import { migrationSource } from './migrations';

// For the knex CLI; the application migrates through db/migrate.ts, which also sets up its role.
const config: Knex.Config = {
  client: 'pg',
  connection: loadConfig().DATABASE_URL,
  migrations: { migrationSource },
};

export default config;
