/**
 * Refunds benchmark: how fast the policy engine quotes, and how many refund requests per second
 * the API takes (each approved by the policy in its transaction, cancelling the ticket and
 * releasing the seat) and the workflows then process to the end (refund, metering, outbox).
 * Then an event of CANCEL_TICKETS card-paid tickets (seeded straight through db/ functions) is
 * refunded by its mass-refund workflow against stripe-mock at the default rate limit (100/s):
 * `cancel_10000_s` is that workflow end to end, `double_refunds` the orders refunded more than once
 * (under more than one idempotency key, or by more than one processed request).
 *
 *   npm run bench:refunds            (REQUESTS=300 CONCURRENCY=20 CANCEL_TICKETS=10000 to change the load;
 *                                     CANCEL_TICKETS=0 skips the mass refund)
 *
 * Everything runs on 127.0.0.1 on free ports, with the offline payment provider for the requests
 * and stripe-mock for the mass refund, and stops by itself. The API runs as its own process
 * (BENCH_CPU_PROF=<dir> writes its V8 CPU profile there); the worker and the load generator share this one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createDb, withTenant, type Db } from '../db/connection';
import { upsertCustomer } from '../db/customers/customers';
import { insertEvent } from '../db/events/events';
import { insertTicketType } from '../db/events/ticket-types';
import { fulfilOrder } from '../db/orders/fulfilment';
import { placeOrder } from '../db/orders/placement';
import { startEventRefundRun } from '../db/refunds/event-runs';
import { migrate } from '../db/migrate';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { PolicyRules, quote } from '../domain/refunds/policy';
import { createMailer } from '../integrations/mail/mailer';
import { createPaymentProvider } from '../integrations/payments';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
  PaymentStatus,
  RefundRequest,
  RefundResult,
  TransferRequest,
  TransferResult,
} from '../integrations/payments/provider';
import { appDatabaseUrl, loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startPostgres } from '../scripts/stack/postgres';
import { STRIPE_MOCK_API_KEY, startStripeMock } from '../scripts/stack/stripe-mock';
import { startTemporal } from '../scripts/stack/temporal';
import { freePort } from '../scripts/stack/wait';
import { apiReady, startBenchProcess } from './processes';
import { startIdempotent } from '../lib/temporal';
import { startWorkerProcess } from '../worker';
import { eventRefundsStartOptions, eventRefundsWorkflowType } from '../workflows/refunds/contract';

const REQUESTS = Number(process.env.REQUESTS ?? 300);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const CANCEL_TICKETS = Number(process.env.CANCEL_TICKETS ?? 10_000);
const CANCEL_RATE_PER_S = 100;
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

/** Stripe (stripe-mock) counting the idempotency keys each payment was refunded under. */
class CountedRefunds implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly keys = new Map<string, Set<string>>();
  constructor(private readonly inner: PaymentProvider) {}
  createPayment(request: PaymentRequest): Promise<PaymentResult> {
    return this.inner.createPayment(request);
  }
  getPaymentStatus(reference: string): Promise<PaymentStatus> {
    return this.inner.getPaymentStatus(reference);
  }
  cancelPayment(reference: string, idempotencyKey?: string): Promise<void> {
    return this.inner.cancelPayment(reference, idempotencyKey);
  }
  transfer(request: TransferRequest): Promise<TransferResult> {
    return this.inner.transfer(request);
  }
  async refund(request: RefundRequest): Promise<RefundResult> {
    const result = await this.inner.refund(request);
    const keys = this.keys.get(request.reference) ?? new Set<string>();
    this.keys.set(request.reference, keys.add(request.idempotencyKey));
    return result;
  }
}

/**
 * A cancelled event's `tickets` card-paid one-ticket orders, placed and paid through db/ functions
 * (no API, no workflows): 10 ticket types filled in parallel, 200 orders per transaction.
 */
async function seedCardPaidEvent(db: Db, tenantId: string, tickets: number): Promise<number> {
  const types = 10;
  const perType = (i: number) => Math.floor(tickets / types) + (i < tickets % types ? 1 : 0);
  const { eventId, typeIds, customerIds } = await withTenant(db, tenantId, async (tx) => {
    const starts = new Date(Date.now() + 3 * 86_400_000);
    const event = await insertEvent(tx, tenantId, {
      name: 'Cancelled',
      venue_name: 'Hall',
      timezone: 'Europe/Berlin',
      capacity: tickets,
      status: 'on_sale',
      starts_at: starts.toISOString(),
      ends_at: new Date(starts.getTime() + 3_600_000).toISOString(),
    });
    // Sold out from the start, so the orders below take no stock (`reserved`) and never lock the
    // event row: the parallel seeding transactions cannot deadlock on it.
    const typeIds: number[] = [];
    for (let i = 0; i < types; i++)
      typeIds.push(
        (
          await insertTicketType(tx, tenantId, event.id, {
            name: `Block ${i}`,
            price_minor: 4500,
            currency: 'EUR',
            inventory: perType(i),
            sold: perType(i),
          })
        ).id,
      );
    const customerIds: number[] = [];
    for (let i = 0; i < 100; i++)
      customerIds.push(
        (await upsertCustomer(tx, tenantId, { email: `fan${i}@cancel.example`, name: `Fan ${i}` })).row.id,
      );
    return { eventId: event.id, typeIds, customerIds };
  });
  await Promise.all(
    typeIds.map(async (ticketTypeId, t) => {
      const mine = perType(t);
      for (let done = 0; done < mine; done += 200) {
        await withTenant(db, tenantId, async (tx) => {
          for (let i = done; i < Math.min(done + 200, mine); i++) {
            const { order } = await placeOrder(tx, tenantId, {
              eventId,
              customerId: customerIds[i % customerIds.length],
              lines: [{ ticketTypeId, quantity: 1 }],
              provider: 'stripe',
              reserved: true,
            });
            await fulfilOrder(tx, tenantId, order.id, `pi_bench_${order.id}`);
          }
        });
      }
    }),
  );
  return eventId;
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
    const env = {
      DATABASE_URL: postgres.url,
      APP_DATABASE_URL: appDatabaseUrl(postgres.url, APP_PASSWORD),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: 'bench-refunds',
      API_PORT: String(await freePort()),
      LOG_LEVEL: 'error',
      PAYMENT_PROVIDER: 'offline',
      DATABASE_POOL_MAX: '20',
    };
    const config = loadConfig(env);
    const logger = createLogger('bench', process.env.BENCH_DEBUG ? 'error' : 'silent');
    const owner = createDb(postgres.url, 2);
    const db = createDb(config.appDatabaseUrl, 20);
    const temporalClient = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const payments = new OfflinePaymentProvider();
    // The API in a process of its own, as production runs it.
    const api = startBenchProcess('api/main.ts', { ...process.env, ...env });
    stops.unshift(() => api.stop());
    const baseUrl = `http://127.0.0.1:${config.API_PORT}`;
    await apiReady(api, baseUrl, 60_000);
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

    /** The mass refund of a CANCEL_TICKETS-ticket event on its own worker, whose provider is stripe-mock. */
    const benchCancel = async (): Promise<Record<string, number>> => {
      const stripe = await startStripeMock();
      stops.push(() => stripe.stop());
      const stripePayments = new CountedRefunds(
        createPaymentProvider({
          PAYMENT_PROVIDER: 'stripe',
          STRIPE_SECRET_KEY: STRIPE_MOCK_API_KEY,
          STRIPE_API_URL: stripe.url,
        }),
      );
      const cancelConfig = { ...config, TEMPORAL_TASK_QUEUE: 'bench-refunds-cancel' };
      const cancelConnection = await NativeConnection.connect({ address: temporal.address });
      const cancelWorker = await startWorkerProcess({
        connection: cancelConnection,
        deps: {
          db,
          config: cancelConfig,
          logger,
          temporal: temporalClient,
          payments: stripePayments,
          mailer: createMailer({ from: config.MAIL_FROM, logger }),
        },
      });
      stops.unshift(async () => {
        await cancelWorker.shutdown();
        await cancelConnection.close();
      });
      const seedStarted = performance.now();
      const eventId = await seedCardPaidEvent(db, tenant.id, CANCEL_TICKETS);
      const seedS = (performance.now() - seedStarted) / 1000;

      const cancelStarted = performance.now();
      const run = await withTenant(db, tenant.id, async (tx) => {
        const { run } = await startEventRefundRun(tx, tenant.id, {
          eventId,
          mode: 'refund',
          workflowId: `bench-${eventId}`,
        });
        return run;
      });
      const handle = await startIdempotent(temporalClient, eventRefundsWorkflowType, {
        taskQueue: cancelConfig.TEMPORAL_TASK_QUEUE,
        ...eventRefundsStartOptions(run, CANCEL_RATE_PER_S),
      });
      const final = await handle.result();
      const cancelS = (performance.now() - cancelStarted) / 1000;

      const [{ twice }] = (await owner('refund_requests')
        .where({ event_refund_run_id: run.id, status: 'processed' })
        .select(owner.raw('(count(*) - count(distinct order_id))::int as twice'))) as unknown as { twice: number }[];
      const [{ refunded_tickets, distinct_tickets }] = (await owner('refund_request_tickets as rt')
        .join('refund_requests as r', 'r.id', 'rt.request_id')
        .where({ 'r.event_id': eventId, 'r.status': 'processed' })
        .select(
          owner.raw('count(*)::int as refunded_tickets'),
          owner.raw('count(distinct rt.ticket_id)::int as distinct_tickets'),
        )) as unknown as { refunded_tickets: number; distinct_tickets: number }[];
      const underSeveralKeys = [...stripePayments.keys.values()].filter((k) => k.size > 1).length;
      return {
        cancel_tickets: CANCEL_TICKETS,
        cancel_seed_s: Number(seedS.toFixed(1)),
        [`cancel_${CANCEL_TICKETS}_s`]: Number(cancelS.toFixed(1)),
        cancel_refunded: final.done,
        cancel_failed: final.failed,
        cancel_provider_refunds_per_s: Math.round(stripePayments.keys.size / cancelS),
        double_refunds: twice + (refunded_tickets - distinct_tickets) + underSeveralKeys,
      };
    };

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
    const cancel = CANCEL_TICKETS > 0 ? await benchCancel() : undefined;
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
        ...cancel,
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
