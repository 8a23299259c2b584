import type { Db, Tx } from '../connection';
import { generateApiKey, type Scope } from '../../lib/credentials';

export interface ApiKeyRow {
  id: number;
  tenant_id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_COLUMNS = ['id', 'tenant_id', 'name', 'prefix', 'scopes', 'created_at', 'last_used_at', 'revoked_at'];

/** Returns the plain key once; only its hash is kept. */
export async function createApiKey(
  tx: Db | Tx,
  tenantId: string,
  name: string,
  scopes: Scope[],
): Promise<{ key: string; row: ApiKeyRow }> {
  const { key, prefix, hash } = generateApiKey();
  const [row] = await tx('api_keys')
    .insert({ tenant_id: tenantId, name, prefix, key_hash: hash, scopes })
    .returning(KEY_COLUMNS);
  return { key, row };
}

export async function listApiKeys(tx: Tx, tenantId: string): Promise<ApiKeyRow[]> {
  return tx('api_keys').where({ tenant_id: tenantId }).select(KEY_COLUMNS).orderBy('id');
}

export async function revokeApiKey(tx: Db | Tx, tenantId: string, id: number): Promise<ApiKeyRow | undefined> {
  const [row] = await tx('api_keys')
    .where({ tenant_id: tenantId, id })
    .update({ revoked_at: tx.raw('coalesce(revoked_at, now())') })
    .returning(KEY_COLUMNS);
  return row;
}

/** An API key as authentication finds it, with the tenant's row of the module a route needs. */
export interface KeyRow {
  key_id: number;
  tenant_id: string;
  scopes: Scope[];
  module_enabled: boolean | null;
  module_rollout_percent: number | null;
}

/**
 * Looks the key up by its hash and binds the transaction to its tenant in the same statement, with
 * the module row read alongside: round trips saved on every call. Undefined for an unknown or revoked key.
 */
export async function authenticateKey(
  tx: Tx,
  keyHash: string,
  module: string | undefined,
): Promise<KeyRow | undefined> {
  const { rows } = await tx.raw<{ rows: KeyRow[] }>(
    `select k.key_id, k.tenant_id, k.scopes, k.module_enabled, k.module_rollout_percent, set_config('app.tenant_id', k.tenant_id, true)
    from usher_authenticate_key(?, ?) k`,
    [keyHash, module ?? ''],
  );
  return rows[0];
}

/** Many keys in one statement, before any tenant is bound: the row of each hash found, by its index. */
export async function authenticateKeys(
  db: Db,
  keyHashes: string[],
  module: string | undefined,
): Promise<Map<number, KeyRow>> {
  const found = new Map<number, KeyRow>();
  if (!keyHashes.length) return found;
  const { rows } = await db.raw<{ rows: (KeyRow & { i: number })[] }>(
    `select h.i::int, k.key_id, k.tenant_id, k.scopes, k.module_enabled, k.module_rollout_percent
    from unnest(?::text[]) with ordinality h(hash, i) cross join lateral usher_authenticate_key(h.hash, ?) k`,
    [keyHashes, module ?? ''],
  );
  for (const row of rows) found.set(row.i - 1, row);
  return found;
}

/**
 * The tenant and scopes of an API key by its hash, for a dashboard opening the live socket: asked
 * before any tenant is bound, so on the pool itself. Undefined for an unknown or revoked key.
 */
export async function apiKeyByHash(
  db: Db,
  keyHash: string,
): Promise<{ tenant_id: string; scopes: Scope[] } | undefined> {
  const { rows } = await db.raw<{ rows: { tenant_id: string; scopes: Scope[] }[] }>(
    'select * from usher_authenticate_key(?)',
    [keyHash],
  );
  return rows[0];
}
