/**
 * A complete Usher webhook receiver that verifies deliveries with the `standardwebhooks` package
 * (https://www.standardwebhooks.com; the same library exists for Python, Go, Ruby, PHP, Rust, Java, C#, ...).
 *
 *   WEBHOOK_SECRET=whsec_... npx tsx examples/webhook-receiver.ts   # listens on :4000
 *
 * Every delivery carries `webhook-id` (the delivery id, the same on every retry), `webhook-timestamp` (unix
 * seconds of this attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">`,
 * keyed by the bytes the secret base64-encodes after `whsec_`. The library recomputes it over the raw body (verify
 * before JSON parsing), compares in constant time and refuses timestamps more than 5 minutes away, so a captured
 * request cannot be replayed. Answer 2xx quickly; anything else is retried with exponential backoff for 24 hours.
 * Deliveries can repeat after a network failure: deduplicate on `webhook-id`.
 */
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface UsherEvent {
  id: string;
  type: string;
  created_at: string;
  data: unknown;
}

/**
 * Endpoints created before Usher signed the Standard Webhooks way have secrets in the URL-safe base64 alphabet
 * (`-`, `_`), which the libraries refuse or misread; the standard alphabet spells the same key.
 */
export function standardSecret(secret: string): string {
  const key = secret.replace(/^whsec_/, '');
  return `whsec_${key.replace(/-/g, '+').replace(/_/g, '/')}`;
}

/** The event, or a WebhookVerificationError unless this endpoint's secret signed the body in the last 5 minutes. */
export function verifyDelivery(webhook: Webhook, rawBody: string, headers: http.IncomingHttpHeaders): UsherEvent {
  const header = (name: string) => String(headers[name] ?? '');
  return webhook.verify(rawBody, {
    'webhook-id': header('webhook-id'),
    'webhook-timestamp': header('webhook-timestamp'),
    'webhook-signature': header('webhook-signature'),
  }) as UsherEvent;
}

if (require.main === module) {
  const webhook = new Webhook(standardSecret(process.env.WEBHOOK_SECRET ?? ''));
  const seen = new Set<string>();
  http
    .createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let event: UsherEvent;
        try {
          event = verifyDelivery(webhook, Buffer.concat(chunks).toString('utf8'), req.headers);
        } catch {
          res.writeHead(400).end('bad signature');
          return;
        }
        const id = String(req.headers['webhook-id']);
        if (!seen.has(id)) {
          seen.add(id);
          console.log(event.type, JSON.stringify(event.data));
        }
        res.writeHead(204).end();
      });
    })
    .listen(Number(process.env.PORT ?? 4000), () => console.log('listening for Usher webhooks'));
}
