import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed per-recipient link of a survey e-mail: names one recipient of one tenant, so the public
 * page needs no login and a forged or altered token answers 404.
 */
export interface RecipientClaims {
  tenantId: string;
  recipientId: number;
}

const SIG_BYTES = 16;

/** A signer bound to one secret, its derived key computed once (the sender signs 20,000 links per event). */
export function recipientLinks(secret: string) {
  const key = createHmac('sha256', secret).update('usher-survey-link-v1').digest();
  const sign = (body: string): string =>
    createHmac('sha256', key).update(body).digest().subarray(0, SIG_BYTES).toString('base64url');
  return {
    sign(claims: RecipientClaims): string {
      const body = Buffer.from(JSON.stringify(['s', claims.tenantId, claims.recipientId])).toString('base64url');
      return `${body}.${sign(body)}`;
    },
    /** The claims of a genuine token, or undefined (forged, altered, malformed). */
    verify(token: string): RecipientClaims | undefined {
      if (token.length > 512) return undefined;
      const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
      if (!m) return undefined;
      const given = Buffer.from(m[2]);
      const expected = Buffer.from(sign(m[1]));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let parts: unknown;
      try {
        parts = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (!Array.isArray(parts) || parts[0] !== 's') return undefined;
      const [, tenantId, recipientId] = parts as unknown[];
      if (typeof tenantId !== 'string' || !Number.isSafeInteger(recipientId) || (recipientId as number) <= 0)
        return undefined;
      return { tenantId, recipientId: recipientId as number };
    },
  };
}

/** Where the e-mail's links point: the page, and the page after a one-click score. */
export const surveyPagePath = (token: string): string => `/s/${token}`;
export const surveyScorePath = (token: string, score: number): string => `/s/${token}/score/${score}`;
