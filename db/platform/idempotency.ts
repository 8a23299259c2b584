import type { Tx } from '../connection';

/** What a request claims under an Idempotency-Key: the same key again must be the same request. */
export interface IdempotencyClaim {
  tenant_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
}

export interface IdempotencyRow extends IdempotencyClaim {
  status_code: number | null;
  response: unknown;
}

/** Claims the key, or answers the row that already holds it; a concurrent twin waits on the row lock. */
export async function claimKey(tx: Tx, claim: IdempotencyClaim): Promise<IdempotencyRow | undefined> {
  const inserted = await tx('idempotency_keys')
    .insert(claim)
    .onConflict(['tenant_id', 'key'])
    .ignore()
    .returning('key');
  if (inserted.length) return undefined;
  return tx<IdempotencyRow>('idempotency_keys').where({ tenant_id: claim.tenant_id, key: claim.key }).first();
}

/** Claims many keys in one statement; returns the keys this call took. */
export async function claimKeys(tx: Tx, claims: IdempotencyClaim[]): Promise<Set<string>> {
  const inserted: { key: string }[] = await tx('idempotency_keys')
    .insert(claims)
    .onConflict(['tenant_id', 'key'])
    .ignore()
    .returning('key');
  return new Set(inserted.map((r) => r.key));
}

/** Gives keys back, for requests of a batch that wrote nothing and will be decided again alone. */
export async function releaseKeys(tx: Tx, tenantId: string, keys: string[]): Promise<void> {
  await tx('idempotency_keys').where({ tenant_id: tenantId }).whereIn('key', keys).delete();
}

/** Stores the answers to replay, in one statement however many. */
export async function storeResponses(
  tx: Tx,
  tenantId: string,
  answers: { key: string; status: number; body: unknown }[],
): Promise<void> {
  if (!answers.length) return;
  await tx.raw(
    `update idempotency_keys k set status_code = u.status, response = u.response
    from unnest(?::text[], ?::int[], ?::jsonb[]) u (key, status, response) where k.tenant_id = ? and k.key = u.key`,
    [
      answers.map((a) => a.key),
      answers.map((a) => a.status),
      answers.map((a) => JSON.stringify(a.body ?? null)),
      tenantId,
    ],
  );
}
