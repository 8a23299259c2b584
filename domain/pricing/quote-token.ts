import { SignJWT, errors, jwtVerify } from 'jose';

/**
 * Quote tokens: an HS256 JWT (as dashboard tokens are, lib/dashboard-token.ts) naming one quote of
 * one tenant, signed with that tenant's quote key. The held prices stay in the database; the token
 * proves the caller was given the quote, so quote ids cannot be guessed into a cheaper order.
 */
export const QUOTE_TOKEN_PREFIX = 'pq_';
const ISSUER = 'usher';
const AUDIENCE = 'usher-price-quote';

export interface QuoteClaims {
  tenantId: string;
  quoteId: number;
}

export async function signQuoteToken(secret: string, claims: QuoteClaims, expiresAt: Date): Promise<string> {
  const jwt = await new SignJWT({ tid: claims.tenantId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.quoteId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(new TextEncoder().encode(secret));
  return QUOTE_TOKEN_PREFIX + jwt;
}

export type QuoteTokenCheck = { ok: true; claims: QuoteClaims } | { ok: false; reason: 'invalid' | 'expired' };

/** The quote a token names: `expired` only for a genuine token past its lifetime, `invalid` for anything forged or altered. */
export async function verifyQuoteToken(secret: string, token: string, now: Date): Promise<QuoteTokenCheck> {
  if (!token.startsWith(QUOTE_TOKEN_PREFIX) || token.length > 2048) return { ok: false, reason: 'invalid' };
  try {
    const { payload } = await jwtVerify(token.slice(QUOTE_TOKEN_PREFIX.length), new TextEncoder().encode(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
    });
    const quoteId = Number(payload.sub);
    if (typeof payload.tid !== 'string' || !Number.isSafeInteger(quoteId) || quoteId <= 0)
      return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { tenantId: payload.tid, quoteId } };
  } catch (err) {
    // jose checks the signature before the claims, so an expired token is a genuine one.
    return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}
