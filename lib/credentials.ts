import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

export const SCOPES = ['admin', 'write', 'read', 'scanner'] as const;
export type Scope = (typeof SCOPES)[number];

const KEY_PREFIX = 'usk_';

/** A new API key: the plain text is shown once, only its hash is stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export const isApiKey = (token: string): boolean => token.startsWith(KEY_PREFIX);

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CustomerClaims {
  tenantId: string;
  customerId: number;
}

const ISSUER = 'usher';
const AUDIENCE = 'usher-customer';

export async function signCustomerToken(
  secret: string,
  claims: CustomerClaims,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({ tid: claims.tenantId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.customerId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt };
}

/** Returns the claims of a valid, unexpired token, or undefined for anything else. */
export async function verifyCustomerToken(secret: string, token: string): Promise<CustomerClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const customerId = Number(payload.sub);
    if (typeof payload.tid !== 'string' || !Number.isSafeInteger(customerId)) return undefined;
    return { tenantId: payload.tid, customerId };
  } catch {
    return undefined;
  }
}
