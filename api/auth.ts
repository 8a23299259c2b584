import type Koa from 'koa';
import { enterTenant, type Db, type Tx } from '../db/connection';
import { isApiKey, hashApiKey, verifyCustomerToken, type Scope } from '../lib/credentials';
import { AppError } from '../lib/errors';
import { isDashboardToken, verifyDashboardToken } from '../lib/dashboard-token';
import { getModule } from '../db/platform/modules';
import { authenticateKey, authenticateKeys, type KeyRow } from '../db/tenants/keys';
import type { ModuleName } from '../domain/platform/plans';
import type { Access, Auth } from './route';

const SATISFIES: Record<Scope, Scope[]> = {
  read: ['read', 'write', 'admin'],
  write: ['write', 'admin'],
  admin: ['admin'],
  scanner: ['scanner', 'write', 'admin'],
};

export function bearer(ctx: Koa.Context): string {
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(\S{1,2048})$/i.exec(header);
  if (!match)
    throw new AppError(401, 'unauthenticated', 'Send an API key or customer token as `Authorization: Bearer <token>`');
  return match[1];
}

export type ModuleRow = { enabled: boolean; rollout_percent: number } | undefined;

const keyCaller = (row: KeyRow): { auth: Auth; moduleRow: ModuleRow } => ({
  auth: { kind: 'key', tenantId: row.tenant_id, keyId: Number(row.key_id), scopes: row.scopes },
  moduleRow:
    row.module_enabled === null
      ? undefined
      : { enabled: row.module_enabled, rollout_percent: Number(row.module_rollout_percent) },
});

const unknownKey = (): AppError => new AppError(401, 'invalid_credentials', 'The API key is unknown or revoked');
const badCustomerToken = (): AppError =>
  new AppError(401, 'invalid_credentials', 'The customer token is invalid or expired');

/**
 * Authenticates inside the request's transaction and binds it to the caller's tenant: for an API
 * key the lookup, the tenant setting and the route's module row are one statement, round trips
 * saved on every call.
 */
export async function authenticate(
  tx: Tx,
  token: string,
  tokenSecret: string,
  module: ModuleName | undefined,
): Promise<{ auth: Auth; moduleRow: ModuleRow }> {
  if (isApiKey(token)) {
    const row = await authenticateKey(tx, hashApiKey(token), module);
    if (!row) throw unknownKey();
    return keyCaller(row);
  }
  if (isDashboardToken(token)) {
    // A short-lived dashboard token acts as a read key of its tenant (lib/dashboard-token.ts).
    const dashboard = await verifyDashboardToken(tokenSecret, token);
    if (!dashboard) throw new AppError(401, 'invalid_credentials', 'The dashboard token is invalid or expired');
    await enterTenant(tx, dashboard.tenantId);
    return {
      auth: { kind: 'key', tenantId: dashboard.tenantId, keyId: dashboard.keyId, scopes: ['read'] },
      moduleRow: module && (await getModule(tx, module)),
    };
  }
  const claims = await verifyCustomerToken(tokenSecret, token);
  if (!claims) throw badCustomerToken();
  await enterTenant(tx, claims.tenantId);
  return { auth: { kind: 'customer', ...claims }, moduleRow: module && (await getModule(tx, module)) };
}

/** A batch's callers: all API keys in one statement; a customer's module row is read later, in its tenant's transaction. */
export async function authenticateMany(
  db: Db,
  tokens: string[],
  tokenSecret: string,
  module: ModuleName | undefined,
): Promise<({ auth: Auth; moduleRow: ModuleRow | 'unread' } | AppError)[]> {
  const keyed = tokens.flatMap((t, i) => (isApiKey(t) ? [i] : []));
  const found = await authenticateKeys(
    db,
    keyed.map((i) => hashApiKey(tokens[i])),
    module,
  );
  const rowOf = new Map(keyed.map((tokenIndex, n) => [tokenIndex, found.get(n)]));
  return Promise.all(
    tokens.map(async (token, i) => {
      if (isApiKey(token)) {
        const row = rowOf.get(i);
        return row ? keyCaller(row) : unknownKey();
      }
      const claims = await verifyCustomerToken(tokenSecret, token);
      return claims
        ? { auth: { kind: 'customer' as const, ...claims }, moduleRow: 'unread' as const }
        : badCustomerToken();
    }),
  );
}

export function authorise(auth: Auth, access: Access): void {
  if (auth.kind === 'customer') {
    if (!access.customer) throw new AppError(403, 'forbidden', 'A customer token cannot call this route');
    return;
  }
  if (!auth.scopes.some((s) => SATISFIES[access.scope].includes(s))) {
    throw new AppError(403, 'insufficient_scope', `This route needs the ${access.scope} scope`);
  }
}
