import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The legacy `Usher-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is signed
 * with the body so a captured request cannot be replayed later with a fresh time. Keyed by the secret string as issued, `whsec_` included.
 */
export function signWebhook(secret: string, body: string, timestampS: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

/** What a receiver does: recompute, compare in constant time, and refuse stale timestamps. */
export function verifyWebhook(secret: string, body: string, header: string, nowS: number, toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowS - t) > toleranceS) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).split('v1=')[1], 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The bytes a `whsec_<base64>` secret encodes: the HMAC key of the Standard Webhooks signature. Secrets issued
 * before it were URL-safe base64; Node decodes either alphabet to the same bytes, so those endpoints keep their key.
 */
export function standardWebhookKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/**
 * Standard Webhooks (standardwebhooks.com): `v1,<base64 HMAC-SHA256 of "<id>.<t>.<body>">`, what off-the-shelf
 * libraries in every language verify. The id is signed too, so a receiver's deduplication cannot be dodged.
 */
export function signStandardWebhook(secret: string, msgId: string, timestampS: number, body: string): string {
  const mac = createHmac('sha256', standardWebhookKey(secret)).update(`${msgId}.${timestampS}.${body}`);
  return `v1,${mac.digest('base64')}`;
}

/**
 * The signature headers of one delivery attempt. `webhook-id` is the delivery's id, the same on every retry and
 * redelivery so receivers deduplicate on it; both signatures carry this attempt's time. `Usher-Signature` stays
 * for receivers written before the Standard Webhooks headers.
 */
export function deliverySignatureHeaders(
  secret: string,
  deliveryId: string,
  body: string,
  timestampS: number,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature' | 'usher-signature', string> {
  return {
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': signStandardWebhook(secret, deliveryId, timestampS, body),
    'usher-signature': signWebhook(secret, body, timestampS),
  };
}

/** Internal bookkeeping events are not offered to tenants. */
export const isDeliverable = (type: string): boolean => !type.startsWith('email.') && !type.startsWith('test.');

export function endpointWants(eventTypes: readonly string[], type: string): boolean {
  return eventTypes.some((t) => t === '*' || t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
}
