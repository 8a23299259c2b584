/**
 * CRM metrics benchmark: `metrics_refresh_s` is the metrics-refresh workflow end to end for all
 * customers of one tenant (RFM quintiles in one statement, the BG/NBD + Gamma-Gamma fit on a
 * sample, lifetime value and churn scored in chunks written back with one UPDATE each, dynamic
 * segments re-evaluated per chunk). The tenant is seeded with set-based SQL (generate_series): N
 * customers, about 5N paid orders over two years, and their purchase metrics.
 *
 *   npx tsx bench/crm-metrics.ts           (BENCH_CUSTOMERS=100000 to change the size)
 *
 * `benchMetricsRefresh` takes a running stack, so `npm run bench:crm` can share one with the other
 * CRM figures; run alone it starts Postgres, Temporal and a worker on free ports and prints JSON.
 */
import { runBench, withBenchStack } from './stack';
import os from 'node:os';
import { type Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { withTenant, type Db } from '../db/connection';
import { startMetricsRefresh } from '../db/crm/metrics';
import { upsertModule } from '../db/platform/modules';
import { createTenant } from '../db/tenants/tenants';
import { startIdempotent } from '../lib/temporal';
import {
  metricsRefreshStartOptions,
  metricsRefreshWorkflowId,
  metricsRefreshWorkflowType,
} from '../workflows/crm/contract';

export interface MetricsRefreshBenchOptions {
  /** Owner connection (bypasses row-level security): seeds the tenant. */
  owner: Db;
  /** Application connection: starts the run as the API does. */
  db: Db;
  temporal: Client;
  taskQueue: string;
  customers: number;
  /** Mean orders per customer (geometric: many buy once, a few often). */
  ordersPerCustomer?: number;
  /** A tenant to seed into; a new one by default. */
  tenantId?: string;
}

export interface MetricsRefreshFigures {
  customers: number;
  orders: number;
  seed_s: number;
  metrics_refresh_s: number;
  /** Seconds per activity type: RFM, model fit, scoring (with segment re-evaluation), finish. */
  stages_s: Record<string, number>;
  method: string;
  repeat_customers: number;
}

/** Seeds `customers` customers with about `perCustomer` paid orders each and their purchase metrics, set-based. */
async function seed(owner: Db, tenantId: string, customers: number, perCustomer: number): Promise<number> {
  await owner.raw(
    `insert into events (tenant_id, name, venue_name, timezone, starts_at, ends_at, capacity, status, category)
     select ?, 'Bench event ' || g, 'Hall', 'Europe/Berlin', now() - make_interval(days => g * 7),
       now() - make_interval(days => g * 7) + interval '3 hours', 100000, 'ended',
       (array['concerts', 'festivals', 'theatre', 'comedy', 'sports'])[1 + g % 5]
     from generate_series(1, 100) g`,
    [tenantId],
  );
  await owner.raw(
    `insert into customers (tenant_id, email, name, country)
     select ?, 'bench-' || g || '@example.com', 'Bench ' || g, (array['DE', 'AT', 'CH', 'FR', 'NL'])[1 + g % 5]
     from generate_series(1, ?) g`,
    [tenantId, customers],
  );
  // BG/NBD-like histories, set-based: each customer joins at a random day of the last two years, buys
  // at a Poisson rate λ (exponential across customers, mean `perCustomer` orders over two years),
  // and drops out after a geometric number of repeat purchases (p uniform in 0.03..0.33): the N
  // purchases of the window are uniform times, of which the first D are kept. Order values are
  // Erlang-6 around each customer's own mean (Gamma-Gamma-like).
  const { rows } = await owner.raw(
    `with c as (
       select id, start_day, mean_value,
         floor(-ln(1 - random()) * ? * start_day / 730.0)::int as n,
         floor(ln(1 - random()) / ln(1 - (0.03 + random() * 0.3)))::int as d
       from (select id, 1 + random() * 729 as start_day, 2000 + random() * 8000 as mean_value
             from customers where tenant_id = ?) s
     ), e as (select array_agg(id order by id) as ids from events where tenant_id = ?),
     purchases as (
       select c.id, c.mean_value, c.start_day as day, 0 as k from c
       union all
       select id, mean_value, day, k from (
         select c.id, c.mean_value, c.d, c.start_day * random() as day,
           row_number() over (partition by c.id order by random()) as k
         from c, generate_series(1, c.n)
       ) r where k <= d
     )
     insert into orders (tenant_id, event_id, customer_id, order_number, status, currency, total_minor,
       payment_provider, paid_at, created_at, channel)
     select ?, e.ids[1 + (random() * 99)::int], p.id, 'B' || p.id || '-' || p.k, 'paid', 'EUR',
       greatest(100, p.mean_value * -ln(random() * random() * random() * random() * random() * random() + 1e-12) / 6)::int,
       'offline', now() - make_interval(secs => p.day * 86400), now(), 'web'
     from purchases p, e
     returning 1`,
    [perCustomer * 6, tenantId, tenantId, tenantId],
  );
  await owner.raw(
    `insert into customer_metrics (tenant_id, customer_id, total_orders, total_spent_minor, currency,
       avg_order_value_minor, first_purchase_at, last_purchase_at, purchased_categories)
     select o.tenant_id, o.customer_id, count(*), sum(o.total_minor), 'EUR', (sum(o.total_minor) / count(*))::int,
       min(o.paid_at), max(o.paid_at), array_agg(distinct e.category)
     from orders o join events e on e.id = o.event_id
     where o.tenant_id = ? group by o.tenant_id, o.customer_id`,
    [tenantId],
  );
  await owner.raw('analyze customers, orders, customer_metrics');
  return rows.length;
}

/** Seeds a tenant and measures one metrics refresh of all its customers, through the workflow. */
export async function benchMetricsRefresh(opts: MetricsRefreshBenchOptions): Promise<MetricsRefreshFigures> {
  const tenantId = opts.tenantId ?? (await createTenant(opts.owner, { name: 'CRM metrics bench' })).id;
  await upsertModule(opts.owner, tenantId, 'crm', { enabled: true });
  const seedStarted = performance.now();
  const orders = await seed(opts.owner, tenantId, opts.customers, opts.ordersPerCustomer ?? 5);
  const seedS = (performance.now() - seedStarted) / 1000;

  const started = performance.now();
  const run = await withTenant(opts.db, tenantId, async (tx) => {
    const { run } = await startMetricsRefresh(tx, tenantId, 365, (id) => metricsRefreshWorkflowId(tenantId, id));
    return run;
  });
  const handle = await startIdempotent(opts.temporal, metricsRefreshWorkflowType, {
    taskQueue: opts.taskQueue,
    ...metricsRefreshStartOptions(run, new Date()),
  });
  const state = await handle.result();
  const refreshS = (performance.now() - started) / 1000;
  const stages = await stageSeconds(handle);
  const model = await opts.owner('crm_ltv_models').where({ tenant_id: tenantId }).first('method', 'repeat_customers');
  return {
    customers: opts.customers,
    orders,
    seed_s: Math.round(seedS * 10) / 10,
    metrics_refresh_s: Math.round(refreshS * 10) / 10,
    stages_s: stages,
    method: state.method ?? String(model?.method),
    repeat_customers: Number(model?.repeat_customers ?? 0),
  };
}

/** Seconds spent in each activity type of the run, from its history (scheduled to completed). */
async function stageSeconds(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) {
  const history = await handle.fetchHistory();
  const scheduled = new Map<number, { type: string; at: number }>();
  const out: Record<string, number> = {};
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(Number(e.eventId), { type: s.activityType?.name ?? '?', at: ms(e.eventTime) });
    const done = e.activityTaskCompletedEventAttributes;
    const from = done && scheduled.get(Number(done.scheduledEventId));
    if (from) out[from.type] = Math.round(((out[from.type] ?? 0) + (ms(e.eventTime) - from.at) / 1000) * 10) / 10;
  }
  return out;
}

async function main(): Promise<void> {
  await withBenchStack(
    { name: 'crm-metrics', temporal: true, worker: true, pool: 10 },
    async ({ owner, db, temporal, config }) => {
      const figures = await benchMetricsRefresh({
        owner,
        db,
        temporal: temporal as Client,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        customers: Number(process.env.BENCH_CUSTOMERS ?? 100_000),
      });
      console.log(JSON.stringify({ bench: 'crm-metrics', cpus: os.cpus().length, ...figures }, null, 2));
    },
  );
}

if (require.main === module) runBench(main);
