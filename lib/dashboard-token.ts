import { SignJWT, jwtVerify } from 'jose';

/**
 * Short-lived, read-only dashboard tokens: an organiser's system mints one with its API key
 * (`POST /api/analytics/dashboard-tokens`) and opens `/analytics#token=...` in a browser, so the
 * long-lived key never sits in a browser's history. The token acts as a read key of the tenant.
 */
export interface DashboardClaims {
  tenantId: string;
  /** The API key that minted it (audit trails name it). */
  keyId: number;
}

const ISSUER = 'usher';
const AUDIENCE = 'usher-dashboard';

/** Dashboard tokens carry this prefix so authentication tells them from customer tokens without trying both. */
export const DASHBOARD_TOKEN_PREFIX = 'usd_';
export const isDashboardToken = (token: string): boolean => token.startsWith(DASHBOARD_TOKEN_PREFIX);

export async function signDashboardToken(
  secret: string,
  claims: DashboardClaims,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const jwt = await new SignJWT({ tid: claims.tenantId, scope: 'read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.keyId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(new TextEncoder().encode(secret));
  return { token: DASHBOARD_TOKEN_PREFIX + jwt, expiresAt };
}

/** The claims of a valid, unexpired dashboard token, or undefined for anything else. */
export async function verifyDashboardToken(secret: string, token: string): Promise<DashboardClaims | undefined> {
  if (!isDashboardToken(token)) return undefined;
  try {
    const { payload } = await jwtVerify(token.slice(DASHBOARD_TOKEN_PREFIX.length), new TextEncoder().encode(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const keyId = Number(payload.sub);
    if (typeof payload.tid !== 'string' || payload.scope !== 'read' || !Number.isSafeInteger(keyId)) return undefined;
    return { tenantId: payload.tid, keyId };
  } catch {
    return undefined;
  }
}
