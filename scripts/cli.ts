import { createDb } from '../db/connection';
import { createApiKey, revokeApiKey } from '../db/tenants/keys';
import { createTenant, listTenants } from '../db/tenants/tenants';
import { loadConfig } from '../lib/config';
import { SCOPES, type Scope } from '../lib/credentials';

const USAGE = `Usher operator CLI (uses DATABASE_URL, the owner connection)

  npm run usher -- tenant create --name "Acme Events" [--id t_acme]
  npm run usher -- tenant list
  npm run usher -- key create --tenant <id> [--name ci] [--scopes read,write]
  npm run usher -- key revoke --tenant <id> --id <keyId>
`;

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([\w-]+)$/.exec(args[i]);
    if (!m || args[i + 1] === undefined) throw new Error(`Unexpected argument ${args[i]}\n\n${USAGE}`);
    out[m[1]] = args[++i];
  }
  return out;
}

function need(f: Record<string, string>, name: string): string {
  if (!f[name]) throw new Error(`--${name} is required\n\n${USAGE}`);
  return f[name];
}

function parseScopes(value: string | undefined): Scope[] {
  const scopes = (value ?? 'admin').split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length) throw new Error(`Unknown scope(s) ${bad.join(', ')}; choose from ${SCOPES.join(', ')}`);
  return scopes as Scope[];
}

export async function runCli(argv: string[], databaseUrl: string): Promise<unknown> {
  const [noun, verb, ...rest] = argv;
  const f = flags(rest);
  const db = createDb(databaseUrl, 1);
  try {
    switch (`${noun} ${verb}`) {
      case 'tenant create': {
        const tenant = await createTenant(db, { name: need(f, 'name'), id: f.id });
        const { key } = await createApiKey(db, tenant.id, 'initial admin key', ['admin']);
        return {
          tenant_id: tenant.id,
          name: tenant.name,
          api_key: key,
          note: 'Store the key now: it is shown only once.',
        };
      }
      case 'tenant list':
        return (await listTenants(db)).map((t) => ({ id: t.id, name: t.name, created_at: t.created_at }));
      case 'key create': {
        const { key, row } = await createApiKey(db, need(f, 'tenant'), f.name ?? 'cli', parseScopes(f.scopes));
        return {
          id: row.id,
          tenant_id: row.tenant_id,
          scopes: row.scopes,
          api_key: key,
          note: 'Store the key now: it is shown only once.',
        };
      }
      case 'key revoke': {
        const row = await revokeApiKey(db, need(f, 'tenant'), Number(need(f, 'id')));
        if (!row) throw new Error('No such key for that tenant');
        return { id: row.id, revoked_at: row.revoked_at };
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), loadConfig().DATABASE_URL)
    .then((out) => console.log(JSON.stringify(out, null, 2)))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
