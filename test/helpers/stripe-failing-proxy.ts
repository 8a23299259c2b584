import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP proxy in front of stripe-mock that answers what stripe-mock cannot: a declined card.
 * PaymentIntent creations for a customer told to `decline` get Stripe's real card error (HTTP 402,
 * `card_declined`); a customer told to `loseAnswer` has the first answer dropped after stripe-mock
 * carried out the call (as a lost connection would). Like Stripe, a repeated Idempotency-Key gets the
 * first answer again. Everything else is forwarded unchanged.
 */
export interface StripeFailingProxy {
  url: string;
  /** Every PaymentIntent creation received: customer, idempotency key, and what was answered. */
  charges: { customer: string; key: string; answer: 'declined' | 'forwarded' | 'lost' | 'replayed' }[];
  /** Declines the next `times` distinct charges of `customer`. */
  decline(customer: string, times: number): void;
  /** Drops the answer of the next charge of `customer` after forwarding it. */
  loseAnswer(customer: string): void;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

let declines = 0;

function declined(): Answer {
  declines++;
  const intent = `pi_declined_${declines}`;
  return {
    status: 402,
    headers: { 'content-type': 'application/json', 'request-id': `req_declined_${declines}` },
    body: JSON.stringify({
      error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        charge: `ch_declined_${declines}`,
        payment_intent: { id: intent, object: 'payment_intent', status: 'requires_payment_method' },
      },
    }),
  };
}

function forward(target: URL, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = http.request(
      { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 502,
            headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') },
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

export async function startStripeFailingProxy(stripeMockUrl: string): Promise<StripeFailingProxy> {
  const target = new URL(stripeMockUrl);
  const toDecline = new Map<string, number>();
  const toLose = new Set<string>();
  const answered = new Map<string, Answer>();
  const charges: StripeFailingProxy['charges'] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const send = (a: Answer) => {
        res.writeHead(a.status, a.headers);
        res.end(a.body);
      };
      const isCharge = req.method === 'POST' && req.url?.split('?')[0] === '/v1/payment_intents';
      if (!isCharge) {
        forward(target, req, body).then(send, () => send({ status: 502, headers: {}, body: '' }));
        return;
      }
      const customer = new URLSearchParams(body.toString()).get('customer') ?? '';
      const key = String(req.headers['idempotency-key'] ?? '');
      const previous = key ? answered.get(key) : undefined;
      if (previous) {
        charges.push({ customer, key, answer: 'replayed' });
        send(previous);
        return;
      }
      const remember = (a: Answer): Answer => {
        if (key) answered.set(key, a);
        return a;
      };
      const left = toDecline.get(customer) ?? 0;
      if (left > 0) {
        toDecline.set(customer, left - 1);
        charges.push({ customer, key, answer: 'declined' });
        send(remember(declined()));
        return;
      }
      forward(target, req, body).then(
        (a) => {
          remember(a);
          if (toLose.delete(customer)) {
            charges.push({ customer, key, answer: 'lost' });
            res.socket?.destroy();
            return;
          }
          charges.push({ customer, key, answer: 'forwarded' });
          send(a);
        },
        () => send({ status: 502, headers: {}, body: '' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    charges,
    decline(customer, times) {
      toDecline.set(customer, times);
    },
    loseAnswer(customer) {
      toLose.add(customer);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
