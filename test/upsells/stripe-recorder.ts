import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call Usher made to Stripe: its form parameters as sent (`transfer_data[destination]`, ...). */
export interface StripeCall {
  method: string;
  path: string;
  params: Record<string, string>;
  idempotencyKey: string | null;
  /** What Usher heard: stripe-mock's status, `lost` when the answer was dropped, `pending` until then. */
  answer: number | 'lost' | 'pending';
}

/**
 * stripe-mock behind a local proxy that records every call, so a test sees what was sent to Stripe while
 * stripe-mock still validates each parameter. stripe-mock keeps no state, so the proxy answers the two
 * things it cannot: `succeed(id)` plays the buyer completing a PaymentIntent (a retrieval then says
 * `succeeded`, and a cancellation gets Stripe's refusal, HTTP 400 `payment_intent_unexpected_state`), and
 * `loseCancels(n)` drops the answer of the next `n` cancellations after stripe-mock carried them out, as a
 * lost connection would.
 */
export interface StripeRecorder {
  url: string;
  calls: StripeCall[];
  succeed(intentId: string): void;
  loseCancels(n: number): void;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
}

function forward(target: URL, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks).toString() }));
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

/** Stripe's answer to cancelling a PaymentIntent that already succeeded. */
function cannotCancel(intentId: string): Answer {
  return {
    status: 400,
    body: JSON.stringify({
      error: {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        doc_url: 'https://stripe.com/docs/error-codes/payment-intent-unexpected-state',
        message:
          'You cannot cancel this PaymentIntent because it has a status of succeeded. Only a PaymentIntent with ' +
          'one of the following statuses may be canceled: requires_payment_method, requires_capture, ' +
          'requires_confirmation, requires_action, processing.',
        payment_intent: { id: intentId, object: 'payment_intent', status: 'succeeded' },
      },
    }),
  };
}

export async function startStripeRecorder(stripeMockUrl: string): Promise<StripeRecorder> {
  const target = new URL(stripeMockUrl);
  const calls: StripeCall[] = [];
  const succeeded = new Set<string>();
  let cancelsToLose = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '').split('?')[0];
      const call: StripeCall = {
        method: req.method ?? '',
        path,
        params: Object.fromEntries(new URLSearchParams(body.toString())),
        idempotencyKey: typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null,
        answer: 'pending',
      };
      calls.push(call);
      const send = (a: Answer) => {
        call.answer = a.status;
        res.writeHead(a.status, { 'content-type': 'application/json', 'request-id': `req_rec_${calls.length}` });
        res.end(a.body);
      };
      const intent = /^\/v1\/payment_intents\/([^/]+)(\/cancel)?$/.exec(path);
      const done = intent ? succeeded.has(intent[1]) : false;
      if (intent && done && intent[2]) return send(cannotCancel(intent[1]));
      forward(target, req, body).then(
        (a) => {
          if (intent && done && req.method === 'GET') {
            send({ status: a.status, body: JSON.stringify({ ...JSON.parse(a.body), status: 'succeeded' }) });
          } else if (intent?.[2] && cancelsToLose > 0) {
            cancelsToLose--;
            call.answer = 'lost';
            res.socket?.destroy();
          } else send(a);
        },
        () => send({ status: 502, body: '' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    succeed: (id) => void succeeded.add(id),
    loseCancels: (n) => {
      cancelsToLose = n;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
