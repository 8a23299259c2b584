/**
 * Stream chat on the realtime server, one JSON object:
 * - `viewer_sessions_memory_mb`: the realtime process's RSS growth for `STREAMING_CHAT_VIEWERS` (default 5,000)
 *   idle viewer sockets, each admitted with its own customer token and ticket;
 * - `chat_fanout_p99_ms`: with those viewers connected, `STREAMING_CHAT_RATE` messages/s (default 20) posted for
 *   `STREAMING_CHAT_SECONDS` (default 10) by ticket holders; from the post to its arrival at every viewer (target ≤ 100).
 * The viewers' sockets live in `STREAMING_CHAT_VIEWER_PROCESSES` child processes (default 2,
 * bench/streaming-chat-viewers.ts, a lean raw-socket client), so their memory and parsing are not the server's.
 * `chat_post_commit_*_ms`: from a post to its sender's ack, the moderation decision and commit alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { signCustomerToken } from '../lib/credentials';
import { createLogger } from '../lib/logger';
import { startRealtimeServer } from '../realtime/server';
import { runBench, withBenchStack } from './stack';
import type { FromViewers, ToViewers } from './streaming-chat-viewers';
import { seedStreamingBench } from './streaming-seed';

const VIEWERS = Number(process.env.STREAMING_CHAT_VIEWERS ?? 5000);
const RATE = Number(process.env.STREAMING_CHAT_RATE ?? 20);
const SECONDS = Number(process.env.STREAMING_CHAT_SECONDS ?? 10);
const SENDERS = 20;

const VIEWER_PROCESSES = Number(process.env.STREAMING_CHAT_VIEWER_PROCESSES ?? 2);

const quantile = (sorted: number[], p: number): number | null =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;

async function main(): Promise<void> {
  await withBenchStack({ name: 'streaming-chat', pool: 20 }, async ({ owner, db, config }) => {
    const tenantId = 'bench';
    const { streamId, customerIds } = await seedStreamingBench(owner, tenantId, VIEWERS + SENDERS);
    const tokens = await Promise.all(
      customerIds.map(
        async (customerId) => (await signCustomerToken(config.TOKEN_SECRET, { tenantId, customerId }, 3600)).token,
      ),
    );

    const rt = await startRealtimeServer(
      { db, logger: createLogger('bench', 'silent'), tokenSecret: config.TOKEN_SECRET },
      0,
    );
    const socketPath = (token: string) =>
      `/api/streaming/streams/${streamId}/chat/socket?token=${encodeURIComponent(token)}`;
    const url = (token: string) => `ws://127.0.0.1:${rt.port}${socketPath(token)}`;
    const children: ChildProcess[] = Array.from({ length: VIEWER_PROCESSES }, () =>
      fork(path.join(__dirname, 'streaming-chat-viewers.ts'), [], { execArgv: ['--import', 'tsx'] }),
    );
    const ask = <T extends FromViewers>(child: ChildProcess, msg: ToViewers): Promise<T> =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as T));
        child.send(msg);
      });
    try {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const connectStarted = Date.now();
      const paths = tokens.slice(0, VIEWERS).map(socketPath);
      const share = Math.ceil(paths.length / children.length);
      const connected = (
        await Promise.all(
          children.map((c, i) =>
            ask<{ connected: number }>(c, { port: rt.port, paths: paths.slice(i * share, (i + 1) * share) }),
          ),
        )
      ).reduce((n, r) => n + r.connected, 0);
      const connectSeconds = (Date.now() - connectStarted) / 1000;
      global.gc?.();
      const memoryMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;

      // The senders' acks time the post's decision and commit, apart from the fan-out.
      const sentAt = new Map<string, number>();
      const commits: number[] = [];
      const senders = await Promise.all(
        tokens.slice(VIEWERS).map(
          (token) =>
            new Promise<WebSocket>((resolve, reject) => {
              const ws = new WebSocket(url(token));
              ws.on('message', (data) => {
                const m = JSON.parse(data.toString()) as { type: string; ref?: string };
                const at = m.type === 'ack' && m.ref ? sentAt.get(m.ref) : undefined;
                if (at !== undefined) commits.push(Date.now() - at);
              });
              ws.once('open', () => resolve(ws));
              ws.once('error', reject);
            }),
        ),
      );
      const total = RATE * SECONDS;
      for (let i = 0; i < total; i++) {
        const now = Date.now();
        sentAt.set(`r${i}`, now);
        senders[i % senders.length].send(JSON.stringify({ type: 'message', ref: `r${i}`, body: `m ${now}` }));
        await new Promise((r) => setTimeout(r, 1000 / RATE));
      }
      // Let the last messages arrive everywhere.
      await new Promise((r) => setTimeout(r, 2000));
      const latencies = (await Promise.all(children.map((c) => ask<{ latencies: number[] }>(c, 'report')))).flatMap(
        (r) => r.latencies,
      );
      latencies.sort((a, b) => a - b);
      commits.sort((a, b) => a - b);
      const q = (p: number) => quantile(latencies, p);
      for (const s of senders) s.close();
      console.log(
        JSON.stringify({
          benchmark: 'streaming-chat',
          viewers: connected,
          viewer_processes: children.length,
          connect_seconds: connectSeconds,
          viewer_sessions_memory_mb: Math.round(memoryMb * 10) / 10,
          messages_per_s: RATE,
          messages: total,
          deliveries: latencies.length,
          deliveries_expected: total * connected,
          chat_fanout_p50_ms: q(0.5),
          chat_fanout_p99_ms: q(0.99),
          chat_fanout_max_ms: latencies.at(-1) ?? null,
          chat_post_commit_p50_ms: quantile(commits, 0.5),
          chat_post_commit_p99_ms: quantile(commits, 0.99),
        }),
      );
    } finally {
      for (const c of children) c.kill();
      await rt.stop();
    }
  });
}

runBench(main);
