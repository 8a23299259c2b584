import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Playback tokens: short-lived, HMAC-signed claims that one viewer session of one ticket may watch one stream. Compact
 * and checked without a database read, so the media server's read callback and the HLS gate answer fast; whether the
 * session was taken over or the ticket refunded is decided when the player refreshes its token.
 */
export interface PlaybackClaims {
  tenantId: string;
  streamId: number;
  ticketId: number;
  sessionId: string;
  /** Expiry, Unix seconds. */
  exp: number;
}

const PREFIX = 'upb1.';

const mac = (secret: string, body: string): Buffer => createHmac('sha256', secret).update(body).digest();

export function signPlaybackToken(secret: string, c: PlaybackClaims): string {
  const body = Buffer.from(JSON.stringify([c.tenantId, c.streamId, c.ticketId, c.sessionId, c.exp])).toString(
    'base64url',
  );
  return `${PREFIX}${body}.${mac(secret, body).toString('base64url')}`;
}

export type PlaybackCheck = { ok: true; claims: PlaybackClaims } | { ok: false; reason: 'invalid' | 'expired' };

/** The token's claims if it is ours, untampered and unexpired at `nowS` (Unix seconds). */
export function verifyPlaybackToken(secret: string, token: string, nowS: number): PlaybackCheck {
  if (!token.startsWith(PREFIX) || token.length > 512) return { ok: false, reason: 'invalid' };
  const dot = token.lastIndexOf('.');
  const body = token.slice(PREFIX.length, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, body);
  if (dot <= PREFIX.length || given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'invalid' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) return { ok: false, reason: 'invalid' };
  const [tenantId, streamId, ticketId, sessionId, exp] = parsed as unknown[];
  if (
    typeof tenantId !== 'string' ||
    typeof sessionId !== 'string' ||
    !Number.isSafeInteger(streamId) ||
    !Number.isSafeInteger(ticketId) ||
    !Number.isSafeInteger(exp)
  )
    return { ok: false, reason: 'invalid' };
  const claims = {
    tenantId,
    streamId: streamId as number,
    ticketId: ticketId as number,
    sessionId,
    exp: exp as number,
  };
  return claims.exp <= nowS ? { ok: false, reason: 'expired' } : { ok: true, claims };
}

/**
 * Ingest keys name their tenant and stream, so the media server's publish callback finds the stream without a
 * cross-tenant lookup: `<tenant>-<stream id>-<secret>`. Only the whole key, compared with the stored one, admits.
 */
export function parseIngestKey(key: string): { tenantId: string; streamId: number } | undefined {
  const m = /^(.+)-(\d{1,15})-[A-Za-z0-9_]{32,64}$/.exec(key);
  return m ? { tenantId: m[1], streamId: Number(m[2]) } : undefined;
}

/** What the media server's own transmuxer presents to read a stream it is packaging into HLS. */
export const relaySignature = (secret: string, ingestKey: string): string =>
  mac(secret, `relay:${ingestKey}`).toString('base64url');

export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The folder a native stream's HLS is written to: derived from the ingest key, so it never shows the key itself. */
export const hlsFolderName = (ingestKey: string): string =>
  createHash('sha256').update(ingestKey).digest('hex').slice(0, 32);
