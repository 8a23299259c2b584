/**
 * Analytics benchmark, printing one JSON object:
 *
 * - `ingest_events_per_s`: tracking events through `POST /api/analytics/track` (batches of 1,000,
 *   INGEST_CONCURRENCY callers), each batch stored with its funnel, touch and price rollups in one
 *   statement (target >= 20,000);
 * - `rollup_lag_ms`: p99 from an order's payment commit (orders placed through the API, paid by the
 *   fulfilment workflow, rolled up by the outbox trigger on the real worker) to its lines in the
 *   rollups (target <= 2,000);
 * - `charts`: p50/p95 per dashboard route over HTTP (whole tenant, one event, a 30-day range, a
 *   channel), and `dashboard_p95_ms`, the slowest chart's p95 (target <= 100);
 * - `mape_30d` and `interval_coverage` from the forecast's back-test (bench/analytics-forecast.ts).
 *
 * History is seeded set-based (ORDERS orders of EVENTS events, CUSTOMERS customers) and rolled up by
 * the same re-derivation the triggers use, so the rollups are what production would hold.
 *
 *   npm run bench:analytics     (ORDERS=200000 EVENTS=200 INGEST=200000 by default; the full
 *                                scale is ORDERS=1000000 INGEST=10000000)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createApp } from '../api/app';
import { rederiveOrders } from '../db/analytics/rollups';
import { createDb, withTenant, type Db } from '../db/connection';
import { migrate } from '../db/migrate';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { createMailer } from '../integrations/mail/mailer';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { appDatabaseUrl, loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startPostgres } from '../scripts/stack/postgres';
import { startTemporal } from '../scripts/stack/temporal';
import { freePort } from '../scripts/stack/wait';
import { startWorkerProcess } from '../worker';

const ORDERS = Number(process.env.ORDERS ?? 200_000);
const EVENTS = Number(process.env.EVENTS ?? 200);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? Math.max(1000, Math.round(ORDERS / 2.5)));
const INGEST = Number(process.env.INGEST ?? 200_000);
const INGEST_CONCURRENCY = Number(process.env.INGEST_CONCURRENCY ?? 4);
const LAG_ORDERS = Number(process.env.LAG_ORDERS ?? 200);
const LAG_RATE_PER_S = Number(process.env.LAG_RATE_PER_S ?? 20);
const CHART_RUNS = Number(process.env.CHART_RUNS ?? 20);
const APP_PASSWORD = 'usher_bench_password';
const CHANNELS = ['email', 'social', 'paid_search', 'direct', 'referral'];

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const round = (n: number): number => Math.round(n * 10) / 10;

/** Events, ticket types, customers and paid orders, set-based; then the rollups by re-derivation. */
async function seed(
  owner: Db,
  app: Db,
  tenantId: string,
): Promise<{ eventIds: number[]; seedS: number; rollupS: number }> {
  const started = performance.now();
  // Events from two years ago to six months ahead, five categories; two ticket types each.
  await owner.raw(
    `insert into events (tenant_id, name, venue_name, timezone, starts_at, ends_at, capacity, status, category)
     select ?, 'Bench event ' || g, 'Hall', 'Europe/Berlin',
       now() - interval '730 days' + g * interval '1 day' * (910.0 / ?),
       now() - interval '730 days' + g * interval '1 day' * (910.0 / ?) + interval '3 hours',
       100000, case when g * (910.0 / ?) < 730 then 'ended' else 'on_sale' end,
       (array['concerts','festivals','theatre','comedy','sports'])[1 + g % 5]
     from generate_series(1, ?) g`,
    [tenantId, EVENTS, EVENTS, EVENTS, EVENTS],
  );
  await owner.raw(
    `insert into ticket_types (tenant_id, event_id, name, price_minor, currency, inventory)
     select e.tenant_id, e.id, t.name, t.price, 'EUR', 50000
     from events e, (values ('GA', 4500), ('VIP', 12000)) t(name, price) where e.tenant_id = ?`,
    [tenantId],
  );
  await owner.raw(
    `insert into customers (tenant_id, email, name, country)
     select ?, 'bench-' || g || '@example.com', 'Customer ' || g, (array['DE','AT','FR','NL','GB','US'])[1 + g % 6]
     from generate_series(1, ?) g`,
    [tenantId, CUSTOMERS],
  );
  // Each order: a customer, an event, paid within the 90 days before the event (not in the future).
  await owner.raw(
    `with ev as (select id, starts_at, row_number() over (order by id) as n from events where tenant_id = :t),
     cu as (select id, row_number() over (order by id) as n from customers where tenant_id = :t),
     g as (select g, abs(hashint8(g)) as h from generate_series(1, :orders) g)
     insert into orders (tenant_id, event_id, customer_id, order_number, status, currency, total_minor,
       payment_provider, paid_at, channel, promo_code)
     select :t, ev.id, cu.id, 'B-' || g.g, 'paid', 'EUR', 4500 * (1 + g.h % 3), 'offline',
       least(now() - interval '1 minute', ev.starts_at - ((g.h >> 8) % 90) * interval '1 day' - ((g.h >> 16) % 24) * interval '1 hour'),
       (array['web','web','app','box_office','partner'])[1 + (g.h >> 20) % 5],
       case when (g.h >> 24) % 10 = 0 then (array['EARLY','FRIENDS','VIP10'])[1 + (g.h >> 28) % 3] end
     from g join ev on ev.n = 1 + g.h % :events join cu on cu.n = 1 + (g.h >> 4) % :customers`,
    { t: tenantId, orders: ORDERS, events: EVENTS, customers: CUSTOMERS },
  );
  await owner.raw(
    `insert into order_items (tenant_id, order_id, ticket_type_id, quantity, unit_price_minor)
     select o.tenant_id, o.id, t.id, o.total_minor / 4500, 4500
     from orders o join ticket_types t on t.event_id = o.event_id and t.name = 'GA' where o.tenant_id = ?`,
    [tenantId],
  );
  // Attribution and funnel purchases of the seeded history (the per-order attribution is the trigger's).
  await owner.raw(
    `insert into analytics_attribution_daily (tenant_id, event_id, channel, currency, day, first_orders,
       first_revenue_minor, last_orders, last_revenue_minor, linear_orders, linear_revenue_minor, new_customers)
     select tenant_id, event_id, (array['email','social','paid_search','direct','referral'])[1 + abs(hashint8(id)) % 5],
       currency, (paid_at at time zone 'UTC')::date, count(*), sum(total_minor), count(*), sum(total_minor), count(*),
       sum(total_minor), count(*) / 2
     from orders where tenant_id = ? group by 1, 2, 3, 4, 5`,
    [tenantId],
  );
  await owner.raw(
    `insert into analytics_funnel_daily (tenant_id, event_id, channel, day, purchases)
     select tenant_id, event_id, channel, day, sum(last_orders) from analytics_attribution_daily where tenant_id = ?
     group by 1, 2, 3, 4
     on conflict (tenant_id, event_id, channel, day) do update set purchases = excluded.purchases`,
    [tenantId],
  );
  await owner.raw(
    `insert into analytics_marketing_spend (tenant_id, channel, month, amount_minor, currency)
     select ?, c, date_trunc('month', now() - m * interval '1 month')::date, 100000 + m * 1000, 'EUR'
     from unnest(array['email','social','paid_search']) c, generate_series(0, 23) m`,
    [tenantId],
  );
  await owner.raw('vacuum analyze events, ticket_types, customers, orders, order_items');
  const seedS = (performance.now() - started) / 1000;

  const rollupStarted = performance.now();
  let after = 0;
  for (;;) {
    const ids: number[] = (
      await owner.raw<{ rows: { id: number }[] }>(
        'select id from orders where tenant_id = ? and id > ? order by id limit 5000',
        [tenantId, after],
      )
    ).rows.map((r) => Number(r.id));
    if (!ids.length) break;
    await withTenant(app, tenantId, (tx) => rederiveOrders(tx, ids));
    after = ids[ids.length - 1];
  }
  await owner.raw('vacuum analyze');
  const rollupS = (performance.now() - rollupStarted) / 1000;
  const eventIds = (await owner('events').where({ tenant_id: tenantId }).orderBy('id').pluck('id')).map(Number);
  return { eventIds, seedS, rollupS };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-bench-analytics-'));
  fs.chmodSync(workDir, 0o755);
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
      TEMPORAL_TASK_QUEUE: 'bench-analytics',
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
    stops.unshift(async () => {
      await new Promise((resolve) => server.close(resolve));
      await temporalClient.connection.close();
      await db.destroy();
      await owner.destroy();
    });

    const tenant = await createTenant(owner, { name: 'Analytics bench' });
    await upsertModule(owner, tenant.id, 'analytics', { enabled: true });
    const { key } = await createApiKey(owner, tenant.id, 'bench', ['admin']);
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(baseUrl + url, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
    };

    const { eventIds, seedS, rollupS } = await seed(owner, db, tenant.id);

    // Ingestion through the API: batches of 1,000 spread over 200 events, 90 days and 50,000 visitors.
    const batches = Math.ceil(INGEST / 1000);
    const types = ['page_view', 'event_view', 'event_view', 'add_to_cart', 'checkout_started'];
    const batchOf = (b: number) =>
      Array.from({ length: Math.min(1000, INGEST - b * 1000) }, (_, i) => {
        const n = b * 1000 + i;
        return {
          client_event_id: `i-${n}`,
          type: types[n % types.length],
          anonymous_id: `v-${(n * 7919) % 50_000}`,
          event_id: eventIds[n % eventIds.length],
          channel: CHANNELS[(n >> 3) % CHANNELS.length],
          price_minor: n % 3 ? 4500 : 12000,
          occurred_at: new Date(Date.now() - (n % 90) * 86_400_000 - (n % 3600) * 1000).toISOString(),
        };
      });
    let next = 0;
    let accepted = 0;
    const ingestStarted = performance.now();
    await Promise.all(
      Array.from({ length: INGEST_CONCURRENCY }, async () => {
        for (let b = next++; b < batches; b = next++) {
          const res = await call('POST', '/api/analytics/track', { items: batchOf(b) });
          if (res.status !== 200) throw new Error(`track: ${res.status} ${JSON.stringify(res.body)}`);
          accepted += (res.body as { accepted: number }).accepted;
        }
      }),
    );
    const ingestS = (performance.now() - ingestStarted) / 1000;
    await owner.raw('vacuum analyze analytics_funnel_daily, analytics_price_points, analytics_touches');

    // Rollup lag: orders through the API at a steady rate, paid by the workflow on the real worker.
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
    });
    const lagEvent = eventIds[eventIds.length - 1];
    const [lagTicketType] = await owner('ticket_types').where({ event_id: lagEvent, name: 'GA' }).pluck('id');
    const customerIds = await owner('customers')
      .where({ tenant_id: tenant.id })
      .orderBy('id')
      .limit(LAG_ORDERS)
      .pluck('id');
    const placed: number[] = [];
    const lags = new Map<number, number>();
    let placing = true;
    // Polls while orders are placed, so each order's lag is measured when it lands, not after the run.
    const poller = (async () => {
      const deadline = Date.now() + 120_000;
      while ((placing || lags.size < placed.length) && Date.now() < deadline) {
        const pending = placed.filter((id) => !lags.has(id));
        if (pending.length) {
          const seen = (
            await owner.raw<{ rows: { order_id: number; lag_ms: number }[] }>(
              `select distinct l.order_id, extract(epoch from clock_timestamp() - o.paid_at) * 1000 as lag_ms
               from analytics_order_lines l join orders o on o.id = l.order_id where l.order_id = any(?::bigint[])`,
              [`{${pending.join(',')}}`],
            )
          ).rows;
          for (const r of seen) lags.set(Number(r.order_id), Number(r.lag_ms));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const lagStarted = performance.now();
    for (let i = 0; i < LAG_ORDERS; i++) {
      const due = lagStarted + (i * 1000) / LAG_RATE_PER_S;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      const res = await call('POST', '/api/orders', {
        event_id: lagEvent,
        customer_id: Number(customerIds[i % customerIds.length]),
        items: [{ ticket_type_id: Number(lagTicketType), quantity: 1 }],
        channel: 'web',
      });
      if (res.status !== 201) throw new Error(`order: ${res.status} ${JSON.stringify(res.body)}`);
      placed.push((res.body as { id: number }).id);
    }
    placing = false;
    await poller;
    const lagValues = [...lags.values()];
    // For context: how long the outbox took to settle those order.created rows (every module's triggers).
    const dispatch = (
      await owner.raw<{ rows: { ms: number }[] }>(
        `select extract(epoch from dispatched_at - created_at) * 1000 as ms from outbox
         where type = 'order.created' and dispatched_at is not null and aggregate_id = any(?::text[])`,
        [`{${placed.join(',')}}`],
      )
    ).rows.map((r) => Number(r.ms));

    // Dashboard reads over HTTP, with the filters organisers use.
    const month = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const filters = ['', `event_id=${eventIds[100]}`, `from=${month}`, 'channel=web'];
    const channelFilters = ['', `event_id=${eventIds[100]}`, `from=${month}`, 'channel=email'];
    const charts: Record<string, string[]> = {
      overview: filters.map((f) => `/api/analytics/overview?${f}`),
      sales: filters.map((f) => `/api/analytics/sales?interval=day&${f}`),
      sales_curve: [`/api/analytics/sales?interval=day&event_id=${eventIds[100]}`],
      revenue_by_event: filters.map((f) => `/api/analytics/revenue/by-event?${f}`),
      revenue_by_channel: filters.map((f) => `/api/analytics/revenue/by-channel?${f}`),
      funnel: channelFilters.map((f) => `/api/analytics/funnel?${f}`),
      attribution: channelFilters.map((f) => `/api/analytics/attribution?model=linear&${f}`),
      promo_codes: ['', `event_id=${eventIds[100]}`, `from=${month}`].map((f) => `/api/analytics/promo-codes?${f}`),
      marketing_roi: ['', `from=${month}`].map((f) => `/api/analytics/marketing-roi?${f}`),
      cohorts: ['', `from=${month}`].map((f) => `/api/analytics/customers/cohorts?${f}`),
      geography: filters.map((f) => `/api/analytics/customers/geography?${f}`),
      ltv: ['/api/analytics/customers/ltv'],
      heatmap: filters.map((f) => `/api/analytics/heatmap?tz=Europe/Berlin&${f}`),
      price_sensitivity: ['', `event_id=${eventIds[100]}`].map((f) => `/api/analytics/price-sensitivity?${f}`),
      event_performance: [`/api/analytics/events/${eventIds[100]}/performance`],
      event_comparison: [`/api/analytics/events/${eventIds[150]}/comparison`],
      csv_overview: ['/api/analytics/revenue/by-event?format=csv'],
    };
    const chartFigures: Record<string, { p50_ms: number; p95_ms: number }> = {};
    for (const [name, urls] of Object.entries(charts)) {
      const times: number[] = [];
      for (let i = 0; i < CHART_RUNS; i++) {
        const url = urls[i % urls.length];
        const t0 = performance.now();
        const res = await call('GET', url);
        times.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      chartFigures[name] = { p50_ms: round(percentile(times, 50)), p95_ms: round(percentile(times, 95)) };
    }
    const dashboardP95 = Math.max(...Object.values(chartFigures).map((c) => c.p95_ms));

    // The forecast part: its back-test on the demo history generator.
    let forecast: { mape_30d: number; interval_coverage: number } | { forecast_error: string };
    try {
      const { forecastFigures } = await import('./analytics-forecast');
      forecast = await forecastFigures();
    } catch (err) {
      forecast = { forecast_error: String(err) };
    }

    const [rawRows] = (await owner.raw('select count(*)::int as n from analytics_tracking_events')).rows;
    const [hourlyRows] = (await owner.raw('select count(*)::int as n from analytics_sales_hourly')).rows;
    console.log(
      JSON.stringify({
        benchmark: 'analytics',
        scale: {
          events: EVENTS,
          orders: ORDERS,
          customers: CUSTOMERS,
          tracking_events: rawRows.n,
          sales_hourly_rows: hourlyRows.n,
          cpus: os.cpus().length,
        },
        seed_s: round(seedS),
        rollup_backfill_s: round(rollupS),
        ingest_events_per_s: Math.round(accepted / ingestS),
        ingest_batch: 1000,
        ingest_concurrency: INGEST_CONCURRENCY,
        rollup_lag_ms: round(percentile(lagValues, 99)),
        rollup_lag_p50_ms: round(percentile(lagValues, 50)),
        rollup_lag_orders: lagValues.length,
        outbox_order_created_dispatch_p99_ms: round(percentile(dispatch, 99)),
        charts: chartFigures,
        dashboard_p95_ms: dashboardP95,
        ...forecast,
        targets: { ingest_events_per_s: 20_000, rollup_lag_ms: 2000, dashboard_p95_ms: 100 },
      }),
    );
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
