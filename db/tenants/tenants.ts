import { randomBytes } from 'node:crypto';
import type { Db, Tx } from '../connection';

export interface TenantRow {
  id: string;
  name: string;
  contact_email: string | null;
  settings: Record<string, unknown>;
  created_at: Date;
}
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

/** Changes the tenant's own details; nothing to change is no statement. */
export async function updateTenant(
  tx: Tx,
  id: string,
  patch: { name?: string; contact_email?: string | null },
): Promise<void> {
  if (Object.keys(patch).length) await tx('tenants').where({ id }).update(patch);
}
