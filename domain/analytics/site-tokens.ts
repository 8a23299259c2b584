import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Publishable site tokens for the tracking pixel: `ast_<body>.<signature>`, the body naming the
 * tenant and the token's row. They can only record tracking events (the pixel is the one route that
 * reads them), so they may sit in a public web page; the row makes them revocable.
 */
export interface SiteTokenClaims {
  tenantId: string;
  tokenId: number;
}

const PREFIX = 'ast_';
const SIG_BYTES = 16;

const keyFor = (secret: string): Buffer =>
  createHmac('sha256', secret).update('usher-analytics-site-token-v1').digest();
const sign = (secret: string, body: string): Buffer =>
  createHmac('sha256', keyFor(secret)).update(body).digest().subarray(0, SIG_BYTES);

export function signSiteToken(secret: string, claims: SiteTokenClaims): string {
  const body = Buffer.from(JSON.stringify([claims.tenantId, claims.tokenId])).toString('base64url');
  return `${PREFIX}${body}.${sign(secret, body).toString('base64url')}`;
}

/** The claims of a genuine token, or undefined (forged, altered, malformed). */
export function verifySiteToken(secret: string, token: string): SiteTokenClaims | undefined {
  if (token.length > 1024) return undefined;
  const m = /^ast_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) return undefined;
  const [, body, sig] = m;
  const given = Buffer.from(sig, 'base64url');
  const expected = sign(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts)) return undefined;
  const [tenantId, tokenId] = parts as unknown[];
  if (typeof tenantId !== 'string' || !Number.isSafeInteger(tokenId) || (tokenId as number) <= 0) return undefined;
  return { tenantId, tokenId: tokenId as number };
}
