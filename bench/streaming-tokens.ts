/**
 * `playback_token_checks_per_s`: the native media server's read callback (`POST /api/streaming/native/callback`,
 * `prePlay` with a playback token) answered by the real API over HTTP with keep-alive, from
 * `STREAMING_TOKEN_CONCURRENCY` concurrent callers (default 32) for `STREAMING_TOKEN_SECONDS` (default 5); one check
 * in eight carries a forged token and must be refused. Also `token_verifies_per_s`, the token check alone, in process.
 */
import type { AddressInfo } from 'node:net';
import { Agent, request, type Server } from 'node:http';
import { createApp } from '../api/app';
import { signPlaybackToken, verifyPlaybackToken } from '../domain/streaming/playback-token';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { runBench, withBenchStack } from './stack';

const SECONDS = Number(process.env.STREAMING_TOKEN_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.STREAMING_TOKEN_CONCURRENCY ?? 32);

async function main(): Promise<void> {
  await withBenchStack({ name: 'streaming-tokens', temporal: true }, async (stack) => {
    if (!stack.temporal) throw new Error('the bench needs Temporal');
    const secret = stack.config.TOKEN_SECRET;
    const key = `t_bench-42-${'a'.repeat(32)}`;
    const claims = { tenantId: 't_bench', streamId: 42, ticketId: 7, sessionId: 'bench', exp: 0 };
    const token = signPlaybackToken(secret, { ...claims, exp: Math.floor(Date.now() / 1000) + 3600 });

    const verifyStart = process.hrtime.bigint();
    let verified = 0;
    for (let i = 0; i < 200_000; i++)
      if (verifyPlaybackToken(secret, token, Math.floor(Date.now() / 1000)).ok) verified++;
    const verifySeconds = Number(process.hrtime.bigint() - verifyStart) / 1e9;

    const api = await createApp({ ...stack, temporal: stack.temporal, payments: new OfflinePaymentProvider() });
    const server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const port = (server.address() as AddressInfo).port;
      // node:http with keep-alive: fetch's own overhead would be measured instead of the callback's.
      const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      const post = (payload: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            {
              agent,
              port,
              host: '127.0.0.1',
              method: 'POST',
              path: '/api/streaming/native/callback',
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(payload);
        });
      const body = (t: string) => JSON.stringify({ action: 'prePlay', app: 'live', name: key, query: { token: t } });
      const good = body(token);
      const forged = body(`${token.slice(0, -4)}AAAA`);
      let ok = 0;
      let refused = 0;
      let wrong = 0;
      const deadline = Date.now() + SECONDS * 1000;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, worker) => {
          for (let i = worker; Date.now() < deadline; i++) {
            const bad = i % 8 === 0;
            const status = await post(bad ? forged : good);
            if (status === (bad ? 403 : 200)) {
              if (bad) refused++;
              else ok++;
            } else wrong++;
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (wrong) throw new Error(`${wrong} callbacks answered wrongly`);
      console.log(
        JSON.stringify({
          bench: 'streaming-tokens',
          playback_token_checks_per_s: Math.round((ok + refused) / seconds),
          checks: ok + refused,
          refused_forged: refused,
          concurrency: CONCURRENCY,
          seconds: Math.round(seconds * 10) / 10,
          token_verifies_per_s: Math.round(verified / verifySeconds),
        }),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
}

runBench(main);
