import type { Tx } from '../connection';

export interface SiteTokenRow {
  id: number;
  tenant_id: string;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
}

export async function createSiteToken(tx: Tx, tenantId: string, name: string): Promise<SiteTokenRow> {
  const [row] = await tx('analytics_site_tokens').insert({ tenant_id: tenantId, name }).returning('*');
  return row;
}

export async function listSiteTokens(tx: Tx): Promise<SiteTokenRow[]> {
  return tx<SiteTokenRow>('analytics_site_tokens').orderBy('id');
}

export async function revokeSiteToken(tx: Tx, id: number): Promise<SiteTokenRow | undefined> {
  const [row] = await tx('analytics_site_tokens')
    .where({ id })
    .update({ revoked_at: tx.raw('coalesce(revoked_at, now())') })
    .returning('*');
  return row;
}

/** Whether the token's row exists in the tenant (row security scopes it) and is not revoked. */
export async function siteTokenLive(tx: Tx, id: number): Promise<boolean> {
  const row = await tx('analytics_site_tokens').where({ id }).whereNull('revoked_at').first('id');
  return Boolean(row);
}
