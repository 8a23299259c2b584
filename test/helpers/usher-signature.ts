import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A receiver's check of the legacy `Usher-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
 * written from the README rather than from domain/webhooks/signature.ts so that a change to the header
 * breaks the tests that use it, as it would break existing receivers. Keyed by the whole secret string.
 */
export function verifyUsherSignature(
  secret: string,
  rawBody: string,
  header: string | undefined,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const fields = new Map(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const timestamp = Number(fields.get('t'));
  const signature = fields.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
