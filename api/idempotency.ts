import type Koa from 'koa';
import { createHash } from 'node:crypto';
import type { Tx } from '../db/connection';
import { AppError } from '../lib/errors';
import { claimKey, type IdempotencyClaim } from '../db/platform/idempotency';
import type { Auth } from './route';

export const IDEMPOTENCY_KEY = /^[\w.:-]{1,255}$/;

interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * Whose an Idempotency-Key is: the API key, or the customer of a customer token. A key replays only
 * to the credential that first used it; any other caller sending it makes a different request,
 * decided fresh (as Stripe scopes keys to the account), so no caller can fetch another's answer.
 */
export function idempotencyCaller(auth: Auth): string {
  return auth.kind === 'key' ? `key:${auth.keyId}` : `customer:${auth.customerId}`;
}

export function idempotencyClaim(ctx: Koa.Context, auth: Auth, key: string): IdempotencyClaim {
  const hash = createHash('sha256')
    .update(JSON.stringify((ctx.request as { body?: unknown }).body ?? null))
    .digest('hex');
  return {
    tenant_id: auth.tenantId,
    caller: idempotencyCaller(auth),
    key,
    method: ctx.method,
    path: ctx.path,
    request_hash: hash,
  };
}

/** Claims the key inside the request's transaction; a concurrent twin waits on the row lock. */
export async function claimIdempotencyKey(
  tx: Tx,
  ctx: Koa.Context,
  auth: Auth,
  key: string,
): Promise<StoredResponse | undefined> {
  const claim = idempotencyClaim(ctx, auth, key);
  const row = await claimKey(tx, claim);
  if (!row) return undefined;
  if (row.request_hash !== claim.request_hash || row.path !== ctx.path || row.method !== ctx.method) {
    throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request');
  }
  if (row.status_code === null)
    throw new AppError(
      409,
      'idempotency_key_in_progress',
      'A request with this Idempotency-Key is still being processed',
    );
  return { status: row.status_code, body: row.response };
}
