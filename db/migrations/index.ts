import type { Knex } from 'knex';
import * as core from './0001_core';
import * as platform from './0002_platform';
import * as checkin from './0003_checkin';

interface Migration { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }

/** Listed here rather than read from disk so tsx, jest and a bundled build load them alike. */
const migrations: Record<string, Migration> = {
  '0001_core': core,
  '0002_platform': platform,
  '0003_checkin': checkin,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
