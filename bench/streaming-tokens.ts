/**
 * `playback_token_checks_per_s`: the native media server's read callback (`POST /api/streaming/native/callback`,
 * `prePlay` with a playback token of a real viewer session) answered by the real API over HTTP with keep-alive, from
 * `STREAMING_TOKEN_CONCURRENCY` concurrent callers (default 32, in a child process: bench/streaming-tokens-load.ts)
 * for `STREAMING_TOKEN_SECONDS` (default 5); one check in eight carries a forged token and must be refused. Also `token_verifies_per_s`, the token check alone, in process.
 */
import type { AddressInfo } from 'node:net';
import { fork } from 'node:child_process';
import { Client } from '@temporalio/client';
import type { Server } from 'node:http';
import path from 'node:path';
import { createApp } from '../api/app';
import { signPlaybackToken, verifyPlaybackToken } from '../domain/streaming/playback-token';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { runBench, withBenchStack } from './stack';
import type { TokenLoad, TokenLoadResult } from './streaming-tokens-load';
import { seedStreamingBench } from './streaming-seed';

const SECONDS = Number(process.env.STREAMING_TOKEN_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.STREAMING_TOKEN_CONCURRENCY ?? 32);

async function main(): Promise<void> {
  await withBenchStack({ name: 'streaming-tokens' }, async (stack) => {
    const secret = stack.config.TOKEN_SECRET;
    const tenantId = 't_bench';
    // A real viewer session: the callback checks it is still open (cached for a few seconds, not asked per check).
    const seed = await seedStreamingBench(stack.owner, tenantId, 1);
    const [session] = await stack
      .owner('stream_viewer_sessions')
      .insert({ tenant_id: tenantId, stream_id: seed.streamId, ticket_id: seed.ticketIds[0] })
      .returning('id');
    const key = `${tenantId}-${seed.streamId}-${'a'.repeat(32)}`;
    const claims = { tenantId, streamId: seed.streamId, ticketId: seed.ticketIds[0], sessionId: String(session.id) };
    const token = signPlaybackToken(secret, { ...claims, exp: Math.floor(Date.now() / 1000) + 3600 });

    const verifyStart = process.hrtime.bigint();
    let verified = 0;
    for (let i = 0; i < 200_000; i++)
      if (verifyPlaybackToken(secret, token, Math.floor(Date.now() / 1000)).ok) verified++;
    const verifySeconds = Number(process.hrtime.bigint() - verifyStart) / 1e9;

    // The callback never calls Temporal: a lazy client that never connects stands in for it.
    const api = await createApp({ ...stack, temporal: new Client(), payments: new OfflinePaymentProvider() });
    const server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const body = (t: string) => JSON.stringify({ action: 'prePlay', app: 'live', name: key, query: { token: t } });
    const load: TokenLoad = {
      port: (server.address() as AddressInfo).port,
      good: body(token),
      forged: body(`${token.slice(0, -4)}AAAA`),
      seconds: SECONDS,
      concurrency: CONCURRENCY,
    };
    const callers = fork(path.join(__dirname, 'streaming-tokens-load.ts'), [], { execArgv: ['--import', 'tsx'] });
    try {
      const r = await new Promise<TokenLoadResult>((resolve, reject) => {
        callers.once('message', (m) => resolve(m as TokenLoadResult));
        callers.once('exit', (code) => reject(new Error(`the callers exited ${code}`)));
        callers.send(load);
      });
      if (r.wrong) throw new Error(`${r.wrong} callbacks answered wrongly`);
      console.log(
        JSON.stringify({
          bench: 'streaming-tokens',
          playback_token_checks_per_s: Math.round((r.ok + r.refused) / r.seconds),
          checks: r.ok + r.refused,
          refused_forged: r.refused,
          concurrency: CONCURRENCY,
          seconds: Math.round(r.seconds * 10) / 10,
          token_verifies_per_s: Math.round(verified / verifySeconds),
        }),
      );
    } finally {
      callers.kill();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
}

runBench(main);
