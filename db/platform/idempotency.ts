import type { Tx } from '../connection';

/** An Idempotency-Key as its caller (`key:<api key id>` or `customer:<customer id>`) used it. */
export interface IdempotencyRef {
  caller: string;
  key: string;
}

/** What a request claims under an Idempotency-Key: the same caller and key again must be the same request. */
export interface IdempotencyClaim extends IdempotencyRef {
  tenant_id: string;
  method: string;
  path: string;
  request_hash: string;
}

export interface IdempotencyRow extends IdempotencyClaim {
  status_code: number | null;
  response: unknown;
}

// Keys are unique per caller: another credential's use of the same key is a different request.
const UNIQUE = ['tenant_id', 'caller', 'key'];

/** Claims the key, or answers the row that already holds it; a concurrent twin waits on the row lock. */
export async function claimKey(tx: Tx, claim: IdempotencyClaim): Promise<IdempotencyRow | undefined> {
  const inserted = await tx('idempotency_keys').insert(claim).onConflict(UNIQUE).ignore().returning('key');
  if (inserted.length) return undefined;
  return tx<IdempotencyRow>('idempotency_keys')
    .where({ tenant_id: claim.tenant_id, caller: claim.caller, key: claim.key })
    .first();
}

/** Claims many keys in one statement; answers, for each claim in order, whether this call took it. */
export async function claimKeys(tx: Tx, claims: IdempotencyClaim[]): Promise<boolean[]> {
  const inserted: IdempotencyRef[] = await tx('idempotency_keys')
    .insert(claims)
    .onConflict(UNIQUE)
    .ignore()
    .returning(['caller', 'key']);
  const taken = new Set(inserted.map((r) => JSON.stringify([r.caller, r.key])));
  return claims.map((c) => taken.has(JSON.stringify([c.caller, c.key])));
}

/** Gives keys back, for requests of a batch that wrote nothing and will be decided again alone. */
export async function releaseKeys(tx: Tx, tenantId: string, refs: IdempotencyRef[]): Promise<void> {
  await tx('idempotency_keys')
    .where({ tenant_id: tenantId })
    .whereIn(
      ['caller', 'key'],
      refs.map((r) => [r.caller, r.key]),
    )
    .delete();
}

/** Stores the answers to replay, in one statement however many. */
export async function storeResponses(
  tx: Tx,
  tenantId: string,
  answers: (IdempotencyRef & { status: number; body: unknown })[],
): Promise<void> {
  if (!answers.length) return;
  await tx.raw(
    `update idempotency_keys k set status_code = u.status, response = u.response
    from unnest(?::text[], ?::text[], ?::int[], ?::jsonb[]) u (caller, key, status, response)
    where k.tenant_id = ? and k.caller = u.caller and k.key = u.key`,
    [
      answers.map((a) => a.caller),
      answers.map((a) => a.key),
      answers.map((a) => a.status),
      answers.map((a) => JSON.stringify(a.body ?? null)),
      tenantId,
    ],
  );
}
