import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed tokens in tracking links: open pixel (`o`), click (`c`, the destination URL inside, so a
 * link cannot be turned into an open redirect) and unsubscribe (`u`). The tenant and message are in
 * the signed part, so a token names exactly one message of one tenant.
 */
export type TrackingKind = 'o' | 'c' | 'u';

export interface TrackingClaims {
  kind: TrackingKind;
  tenantId: string;
  messageId: number;
  url?: string;
}

const SIG_BYTES = 16;

const keyFor = (secret: string): Buffer => createHmac('sha256', secret).update('usher-crm-tracking-v1').digest();

const sign = (key: Buffer, body: string): Buffer =>
  createHmac('sha256', key).update(body).digest().subarray(0, SIG_BYTES);

export function signTrackingToken(secret: string, claims: TrackingClaims): string {
  const parts: (string | number)[] = [claims.kind, claims.tenantId, claims.messageId];
  if (claims.url !== undefined) parts.push(claims.url);
  const body = Buffer.from(JSON.stringify(parts)).toString('base64url');
  return `${body}.${sign(keyFor(secret), body).toString('base64url')}`;
}

/** The claims of a genuine token of the expected kind, or undefined (forged, altered, malformed). */
export function verifyTrackingToken(secret: string, token: string, kind: TrackingKind): TrackingClaims | undefined {
  if (token.length > 4096) return undefined;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) return undefined;
  const [, body, sig] = m;
  // Compared as text: base64url decoding ignores a last character's spare bits, so two strings decode alike.
  const given = Buffer.from(sig);
  const expected = Buffer.from(sign(keyFor(secret), body).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts[0] !== kind) return undefined;
  const [, tenantId, messageId, url] = parts as unknown[];
  if (typeof tenantId !== 'string' || !Number.isSafeInteger(messageId) || (messageId as number) <= 0) return undefined;
  if (kind === 'c' && (typeof url !== 'string' || !/^https?:\/\//i.test(url))) return undefined;
  return { kind, tenantId, messageId: messageId as number, ...(kind === 'c' ? { url: url as string } : {}) };
}

/** A signer bound to one secret, caching its derived key (the sender signs three tokens per e-mail). */
export function trackingSigner(secret: string, baseUrl: string) {
  const key = keyFor(secret);
  const token = (claims: TrackingClaims): string => {
    const parts: (string | number)[] = [claims.kind, claims.tenantId, claims.messageId];
    if (claims.url !== undefined) parts.push(claims.url);
    const body = Buffer.from(JSON.stringify(parts)).toString('base64url');
    return `${body}.${sign(key, body).toString('base64url')}`;
  };
  const base = baseUrl.replace(/\/+$/, '');
  return {
    openUrl: (tenantId: string, messageId: number) => `${base}/t/o/${token({ kind: 'o', tenantId, messageId })}.gif`,
    clickUrl: (tenantId: string, messageId: number, url: string) =>
      `${base}/t/c/${token({ kind: 'c', tenantId, messageId, url })}`,
    unsubscribeUrl: (tenantId: string, messageId: number) => `${base}/t/u/${token({ kind: 'u', tenantId, messageId })}`,
  };
}

/** Opens that happen this soon after the send are a scanner or a prefetching proxy, not a person. */
export const MACHINE_OPEN_WITHIN_MS = 3_000;

/** User agents of proxies and scanners that fetch images without anyone reading the e-mail. */
const MACHINE_AGENTS = [
  /YahooMailProxy/i,
  /Barracuda/i,
  /Mimecast/i,
  /ppops|Proofpoint/i,
  /Microsoft Office Existence Discovery/i,
  /bot|crawler|spider|preview/i,
];

/** Apple Mail Privacy Protection fetches through Apple's network (17.0.0.0/8) with a bare user agent. */
const isAppleProxy = (ua: string, ip: string): boolean => ua.trim() === 'Mozilla/5.0' || /^(::ffff:)?17\./.test(ip);

/** Whether an open is a machine's (privacy proxy prefetch, security scanner, or within seconds of the send). */
export function isMachineOpen(opts: { userAgent: string; ip: string; sentAt: Date | null; at: Date }): boolean {
  if (isAppleProxy(opts.userAgent, opts.ip)) return true;
  if (MACHINE_AGENTS.some((re) => re.test(opts.userAgent))) return true;
  return opts.sentAt !== null && opts.at.getTime() - opts.sentAt.getTime() < MACHINE_OPEN_WITHIN_MS;
}
