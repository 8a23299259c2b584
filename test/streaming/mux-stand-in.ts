import { createHmac, randomBytes } from 'node:crypto';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MuxStandIn {
  url: string;
  /** Live streams created, with the body each was created from. */
  created: { id: string; body: Record<string, unknown> }[];
  /** Requests refused for their credentials. */
  unauthorised: number;
  stop(): Promise<void>;
}

/**
 * A local stand-in of Mux Video's API for live streams: checks the access token (HTTP Basic) and answers
 * `POST /video/v1/live-streams` as Mux does, with a stream key and one playback id per requested policy.
 */
export async function startMuxStandIn(tokenId: string, tokenSecret: string): Promise<MuxStandIn> {
  const expected = `Basic ${Buffer.from(`${tokenId}:${tokenSecret}`).toString('base64')}`;
  const server: Server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== expected) {
        state.unauthorised++;
        return reply(401, { error: { type: 'unauthorized', messages: ['Unauthorized request'] } });
      }
      if (req.method === 'POST' && req.url === '/video/v1/live-streams') {
        const body = JSON.parse(raw) as { playback_policies?: string[]; passthrough?: string };
        const id = randomBytes(12).toString('hex');
        state.created.push({ id, body });
        return reply(201, {
          data: {
            id,
            stream_key: randomBytes(16).toString('hex'),
            status: 'idle',
            passthrough: body.passthrough,
            playback_ids: (body.playback_policies ?? ['public']).map((policy) => ({
              id: randomBytes(10).toString('hex'),
              policy,
            })),
            created_at: String(Math.floor(Date.now() / 1000)),
          },
        });
      }
      reply(404, { error: { type: 'not_found', messages: ['Not found'] } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: MuxStandIn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    created: [],
    unauthorised: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return state;
}

/** Mux's webhook signature header for `body`: `t=<unix>,v1=<HMAC-SHA256 of "t.body">`. */
export function muxSignature(secret: string, body: string, at = Math.floor(Date.now() / 1000)): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`;
}
