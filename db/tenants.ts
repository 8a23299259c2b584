import { randomBytes } from 'node:crypto';
import type { Db, Tx } from './connection';
import { generateApiKey, type Scope } from '../lib/credentials';

export interface TenantRow {
  id: string;
  name: string;
  contact_email: string | null;
  settings: Record<string, unknown>;
  created_at: Date;
}
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

export function newTenantId(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Tenants are created by operators with the owner connection; everything after runs tenant-scoped. */
export async function createTenant(owner: Db | Tx, input: { id?: string; name: string }): Promise<TenantRow> {
  const [row] = await owner('tenants')
    .insert({ id: input.id ?? newTenantId(), name: input.name })
    .returning('*');
  return row;
}

export async function getTenant(tx: Tx, id: string): Promise<TenantRow | undefined> {
  return tx('tenants').where({ id }).first();
}

export async function listTenants(owner: Db): Promise<TenantRow[]> {
  return owner('tenants').orderBy('created_at');
}

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
