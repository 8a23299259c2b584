/**
 * Stream chat on the realtime server, one JSON object:
 * - `viewer_sessions_memory_mb`: the realtime process's RSS growth for `STREAMING_CHAT_VIEWERS` (default 5,000)
 *   idle viewer sockets, each admitted with its own customer token and ticket;
 * - `chat_fanout_p99_ms`: with those viewers connected, `STREAMING_CHAT_RATE` messages/s (default 20) posted for
 *   `STREAMING_CHAT_SECONDS` (default 10) by ticket holders; from the post to its arrival at every viewer (target ≤ 100).
 * The viewers' sockets live in a child process (this file with `--clients`), so their memory is not the server's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { signCustomerToken } from '../lib/credentials';
import { createLogger } from '../lib/logger';
import { startRealtimeServer } from '../realtime/server';
import { runBench, withBenchStack } from './stack';

const VIEWERS = Number(process.env.STREAMING_CHAT_VIEWERS ?? 5000);
const RATE = Number(process.env.STREAMING_CHAT_RATE ?? 20);
const SECONDS = Number(process.env.STREAMING_CHAT_SECONDS ?? 10);
const SENDERS = 20;

type ToChild = { urls: string[] };
type FromChild = { connected: number } | { latencies: number[] };

/** Child: opens every viewer socket, then records, per message, arrival time minus the send time in its body. */
async function clients(): Promise<void> {
  const latencies: number[] = [];
  process.on('message', async (msg: ToChild | 'report') => {
    if (msg === 'report') return process.send?.({ latencies } satisfies FromChild);
    let open = 0;
    const batch = 200;
    for (let i = 0; i < msg.urls.length; i += batch) {
      await Promise.all(
        msg.urls.slice(i, i + batch).map(
          (url) =>
            new Promise<void>((resolve, reject) => {
              const ws = new WebSocket(url);
              ws.on('message', (data) => {
                const m = JSON.parse(data.toString()) as { type: string; message?: { body: string } };
                if (m.type === 'message' && m.message)
                  latencies.push(Date.now() - Number(m.message.body.split(' ')[1]));
              });
              ws.once('open', () => {
                open++;
                resolve();
              });
              ws.once('error', reject);
            }),
        ),
      );
    }
    process.send?.({ connected: open } satisfies FromChild);
  });
}

async function main(): Promise<void> {
  await withBenchStack({ name: 'streaming-chat', pool: 20 }, async ({ owner, db, config }) => {
    const tenantId = 'bench';
    await owner('tenants').insert({ id: tenantId, name: 'Bench' });
    await owner('tenant_modules').insert({ tenant_id: tenantId, module: 'streaming' });
    const starts = new Date();
    const [event] = await owner('events')
      .insert({
        tenant_id: tenantId,
        name: 'Bench',
        venue_name: 'Online',
        timezone: 'UTC',
        starts_at: starts,
        ends_at: new Date(starts.getTime() + 3_600_000),
        capacity: VIEWERS + SENDERS,
        status: 'on_sale',
      })
      .returning('id');
    const [tt] = await owner('ticket_types')
      .insert({
        tenant_id: tenantId,
        event_id: event.id,
        name: 'Virtual',
        price_minor: 1000,
        currency: 'EUR',
        inventory: VIEWERS + SENDERS,
        attendance: 'virtual',
      })
      .returning('id');
    const [stream] = await owner('streams')
      .insert({
        tenant_id: tenantId,
        event_id: event.id,
        name: 'Main',
        provider: 'native',
        status: 'live',
        scheduled_start_at: starts,
      })
      .returning('id');
    const n = VIEWERS + SENDERS;
    const { rows: customers } = await owner.raw<{ rows: { id: number }[] }>(
      `insert into customers (tenant_id, email, name) select ?, 'v' || g || '@example.com', 'Viewer ' || g
         from generate_series(1, ?) g returning id`,
      [tenantId, n],
    );
    const [order] = await owner('orders')
      .insert({
        tenant_id: tenantId,
        event_id: event.id,
        customer_id: customers[0].id,
        order_number: 'B-1',
        status: 'paid',
        currency: 'EUR',
        total_minor: 0,
        payment_provider: 'offline',
      })
      .returning('id');
    await owner.raw(
      `insert into tickets (tenant_id, event_id, order_id, ticket_type_id, customer_id, code)
       select ?, ?, ?, ?, c, 'B' || c from unnest(?::bigint[]) c`,
      [tenantId, event.id, order.id, tt.id, customers.map((c) => c.id)],
    );
    const tokens = await Promise.all(
      customers.map(
        async (c) => (await signCustomerToken(config.TOKEN_SECRET, { tenantId, customerId: c.id }, 3600)).token,
      ),
    );

    const rt = await startRealtimeServer(
      { db, logger: createLogger('bench', 'silent'), tokenSecret: config.TOKEN_SECRET },
      0,
    );
    const url = (token: string) =>
      `ws://127.0.0.1:${rt.port}/api/streaming/streams/${stream.id}/chat/socket?token=${encodeURIComponent(token)}`;
    const child: ChildProcess = fork(__filename, ['--clients'], { execArgv: ['--import', 'tsx'] });
    const ask = <T extends FromChild>(msg: ToChild | 'report'): Promise<T> =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as T));
        child.send(msg);
      });
    try {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const connectStarted = Date.now();
      const { connected } = await ask<{ connected: number }>({ urls: tokens.slice(0, VIEWERS).map(url) });
      const connectSeconds = (Date.now() - connectStarted) / 1000;
      global.gc?.();
      const memoryMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;

      const senders = await Promise.all(
        tokens.slice(VIEWERS).map(
          (token) =>
            new Promise<WebSocket>((resolve, reject) => {
              const ws = new WebSocket(url(token));
              ws.once('open', () => resolve(ws));
              ws.once('error', reject);
            }),
        ),
      );
      const total = RATE * SECONDS;
      for (let i = 0; i < total; i++) {
        senders[i % senders.length].send(JSON.stringify({ type: 'message', body: `m ${Date.now()}` }));
        await new Promise((r) => setTimeout(r, 1000 / RATE));
      }
      // Let the last messages arrive everywhere.
      await new Promise((r) => setTimeout(r, 2000));
      const { latencies } = await ask<{ latencies: number[] }>('report');
      latencies.sort((a, b) => a - b);
      const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? null;
      for (const s of senders) s.close();
      console.log(
        JSON.stringify({
          benchmark: 'streaming-chat',
          viewers: connected,
          connect_seconds: connectSeconds,
          viewer_sessions_memory_mb: Math.round(memoryMb * 10) / 10,
          messages_per_s: RATE,
          messages: total,
          deliveries: latencies.length,
          deliveries_expected: total * connected,
          chat_fanout_p50_ms: q(0.5),
          chat_fanout_p99_ms: q(0.99),
          chat_fanout_max_ms: latencies.at(-1) ?? null,
        }),
      );
    } finally {
      child.kill();
      await rt.stop();
    }
  });
}

if (process.argv.includes('--clients')) void clients();
else runBench(main);
