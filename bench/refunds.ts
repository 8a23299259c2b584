/**
 * Refunds benchmark: how fast the policy engine quotes, and how many refund requests per second
 * the API takes (each approved by the policy in its transaction, cancelling the ticket and
 * releasing the seat) and the workflows then process to the end (refund, metering, outbox).
 *
 *   npm run bench:refunds            (REQUESTS=300 CONCURRENCY=20 to change the load)
 *
 * Everything runs on 127.0.0.1 on free ports, with the offline payment provider, and stops by itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createApp } from '../api/app';
import { createDb } from '../db/connection';
import { migrate } from '../db/migrate';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { PolicyRules, quote } from '../domain/refunds/policy';
import { createMailer } from '../integrations/mail/mailer';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { appDatabaseUrl, loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startPostgres } from '../scripts/stack/postgres';
import { startTemporal } from '../scripts/stack/temporal';
import { freePort } from '../scripts/stack/wait';
import { startWorkerProcess } from '../worker';

const REQUESTS = Number(process.env.REQUESTS ?? 300);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const APP_PASSWORD = 'usher_bench_password';

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function benchQuotes(): { quotes: number; per_second: number } {
  const rules = PolicyRules.parse({
    windows: [
      { until_days_before: 30, refund_percentage: 100, exchange_allowed: true, transfer_allowed: true },
      { until_days_before: 7, refund_percentage: 50, exchange_allowed: true, transfer_allowed: true },
      { until_days_before: 1, refund_percentage: 0, exchange_allowed: true, transfer_allowed: false },
    ],
    processing_fee: 5,
    allow_credit_conversion: true,
  });
  const n = 50_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    quote(rules, {
      eventStartsAt: new Date(Date.UTC(2026, 11, 31, 19)),
      timeZone: 'Europe/Berlin',
      now: new Date(Date.UTC(2026, 10, 1) + i * 60_000),
      currency: 'EUR',
      paidMinor: [4500, 4500],
    });
  }
  return { quotes: n, per_second: Math.round(n / ((performance.now() - started) / 1000)) };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-bench-refunds-'));
  const [postgres, temporal] = await Promise.all([
    startPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort() }),
    startTemporal({ port: await freePort() }),
  ]);
  const stops: (() => Promise<unknown>)[] = [() => postgres.stop(), () => temporal.stop()];
  try {
    await migrate(postgres.url, APP_PASSWORD);
    const config = loadConfig({
      DATABASE_URL: postgres.url,
      APP_DATABASE_URL: appDatabaseUrl(postgres.url, APP_PASSWORD),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: 'bench-refunds',
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_POOL_MAX: '20',
    });
    const logger = createLogger('bench', process.env.BENCH_DEBUG ? 'error' : 'silent');
    const owner = createDb(postgres.url, 2);
    const db = createDb(config.appDatabaseUrl, 20);
    const temporalClient = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const payments = new OfflinePaymentProvider();
    const api = await createApp({ config, db, temporal: temporalClient, payments, logger });
    const server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const native = await NativeConnection.connect({ address: temporal.address });
    const worker = await startWorkerProcess({
      connection: native,
      deps: {
        db,
        config,
        logger,
        temporal: temporalClient,
        payments,
        mailer: createMailer({ from: config.MAIL_FROM, logger }),
      },
    });
    stops.unshift(async () => {
      await new Promise((resolve) => server.close(resolve));
      await worker.shutdown();
      await native.close();
      await temporalClient.connection.close();
      await db.destroy();
      await owner.destroy();
    });

    const tenant = await createTenant(owner, { name: 'Bench' });
    await upsertModule(owner, tenant.id, 'refunds', { enabled: true });
    const { key } = await createApiKey(owner, tenant.id, 'bench', ['admin']);
    const call = async (
      method: string,
      url: string,
      body?: unknown,
    ): Promise<{ status: number; body: { id: number } }> => {
      const res = await fetch(baseUrl + url, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { id: number } };
    };
    const starts = new Date(Date.now() + 60 * 86_400_000);
    const event = await call('POST', '/api/events', {
      name: 'Bench',
      venue: { name: 'Hall' },
      timezone: 'Europe/Berlin',
      capacity: REQUESTS,
      status: 'on_sale',
      starts_at: starts.toISOString(),
      ends_at: new Date(starts.getTime() + 3_600_000).toISOString(),
    });
    const tt = await call('POST', `/api/events/${event.body.id}/ticket-types`, {
      name: 'GA',
      price_minor: 4500,
      currency: 'EUR',
      inventory: REQUESTS,
    });
    await call('PUT', `/api/events/${event.body.id}/refund-policy`, {
      rules: {
        windows: [{ until_days_before: 30, refund_percentage: 100, exchange_allowed: true, transfer_allowed: true }],
        processing_fee: 2.5,
      },
    });
    const orders: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const o = await call('POST', '/api/orders', {
        event_id: event.body.id,
        customer: { email: `bench${i}@example.com`, name: `Bench ${i}` },
        items: [{ ticket_type_id: tt.body.id, quantity: 1 }],
      });
      if (o.status !== 201) throw new Error(`order ${o.status}`);
      orders.push(o.body.id);
    }

    const latencies: number[] = [];
    let failed = 0;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < orders.length) {
          const orderId = orders[next++];
          const t0 = performance.now();
          const res = await call('POST', '/api/refund-requests', { order_id: orderId, type: 'refund' });
          latencies.push(performance.now() - t0);
          if (res.status !== 201) {
            failed++;
            if (process.env.BENCH_DEBUG) console.error(res.status, JSON.stringify(res.body));
          }
        }
      }),
    );
    const acceptedS = (performance.now() - started) / 1000;
    for (;;) {
      const [{ count }] = await owner('refund_requests')
        .where({ status: 'processed' })
        .count<{ count: string }[]>({ count: '*' });
      if (Number(count) >= REQUESTS - failed) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const processedS = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const [{ sum }] = await owner('usage_records')
      .where({ meter: 'refunds.processing' })
      .sum<{ sum: string }[]>({ sum: 'amount_minor' });
    console.log(
      JSON.stringify({
        policy_engine: benchQuotes(),
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        failed,
        accept: {
          per_second: Math.round(REQUESTS / acceptedS),
          p50_ms: Math.round(percentile(latencies, 50)),
          p95_ms: Math.round(percentile(latencies, 95)),
          max_ms: Math.round(latencies[latencies.length - 1]),
        },
        processed_end_to_end: { seconds: Number(processedS.toFixed(2)), per_second: Math.round(REQUESTS / processedS) },
        metered_minor: Number(sum),
      }),
    );
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
