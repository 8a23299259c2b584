/**
 * A complete Usher webhook receiver using only Node's standard library.
 *
 *   WEBHOOK_SECRET=whsec_... npx tsx examples/webhook-receiver.ts   # listens on :4000
 *
 * Usher signs each delivery: `Usher-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * with the endpoint's secret. Verify over the raw bytes (before JSON parsing), compare in constant
 * time, and reject old timestamps so a captured request cannot be replayed. Answer 2xx quickly;
 * anything else is retried with exponential backoff for 24 hours. Deliveries can repeat after a
 * network failure: deduplicate on `Usher-Delivery-Id`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

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

if (require.main === module) {
  const secret = process.env.WEBHOOK_SECRET ?? '';
  const seen = new Set<string>();
  http
    .createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (!verifyUsherSignature(secret, raw, req.headers['usher-signature'] as string | undefined)) {
          res.writeHead(400).end('bad signature');
          return;
        }
        const deliveryId = String(req.headers['usher-delivery-id']);
        if (!seen.has(deliveryId)) {
          seen.add(deliveryId);
          const event = JSON.parse(raw) as { type: string; data: unknown };
          console.log(event.type, JSON.stringify(event.data));
        }
        res.writeHead(204).end();
      });
    })
    .listen(Number(process.env.PORT ?? 4000), () => console.log('listening for Usher webhooks'));
}
