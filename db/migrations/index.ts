import type { Knex } from 'knex';
import { modules } from '../../modules';
import type { Migration } from '../../modules/kit';

/** Every module's migrations: names are unique across modules and sort into one order. */
const loaders = new Map<string, () => Promise<Migration>>();
for (const m of modules) {
  for (const [name, load] of Object.entries(m.migrations ?? {})) {
    if (loaders.has(name)) throw new Error(`Migration ${name} is declared by two modules`);
    loaders.set(name, load);
  }
}

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => [...loaders.keys()].sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const load = loaders.get(name);
    if (!load) throw new Error(`Unknown migration ${name}`);
    return load();
  },
};
