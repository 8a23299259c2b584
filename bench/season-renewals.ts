/**
 * Season renewals benchmark: `renewals_1000_s` for N subscriptions (`SEASON_RENEWALS`, 1,000 by default)
 * renewing at the same instant, charged through Stripe (stripe-mock). The bench starts each workflow
 * itself, `SEASON_RENEWALS_START_CONCURRENCY` at once (default 50), with the options the purchase
 * trigger uses; each sleeps until the common renewal date (`SEASON_RENEWALS_LEAD_S` after seeding,
 * 30 s by default), then charges the saved card off-session and moves the subscription on a year. The
 * clock runs from that renewal date until the last period is recorded renewed; reminders are switched
 * off so only the renewals are timed. Starting is timed apart (`workflows_started_s`); when it ran past
 * the renewal date (`started_late`), the figure would include set-up, so raise the lead. Target ≤ 30 s.
 *
 *   npx tsx bench/season-renewals.ts       (SEASON_RENEWALS=200 to change the size)
 *
 * `bench/season.ts` runs it as a child and merges the JSON it prints.
 */
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Db } from '../db/connection';
import { upsertModule } from '../db/platform/modules';
import { createTenant } from '../db/tenants/tenants';
import { createMailer } from '../integrations/mail/mailer';
import { createPaymentProvider } from '../integrations/payments';
import { inBatches } from '../lib/batches';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { startIdempotent } from '../lib/temporal';
import { seasonRenewalStart, seasonRenewalWorkflowType } from '../workflows/season/renewal-contract';
import { startStripeMock, STRIPE_MOCK_API_KEY } from '../scripts/stack/stripe-mock';
import { startWorkerProcess } from '../worker';
import { runBench, withBenchStack } from './stack';

const DAY_MS = 86_400_000;

interface Seeded {
  tenantId: string;
  renewsAt: Date;
  subscriptionIds: number[];
}

/** One package, N customers each with an annual Stripe-billed subscription renewing at `renewsAt`. */
async function seed(owner: Db, n: number, renewsAt: Date): Promise<Seeded> {
  const tenantId = (await createTenant(owner, { name: 'Season renewals bench' })).id;
  await upsertModule(owner, tenantId, 'season', { enabled: true, settings: { renewal_reminder_days: [] } });
  const [pkg] = (await owner('season_packages')
    .insert({
      tenant_id: tenantId,
      name: 'Bench season',
      type: 'full',
      price_minor: 30_000,
      currency: 'EUR',
      billing_cycle: 'annual',
      season_starts_at: new Date(Date.now() - 300 * DAY_MS),
      season_ends_at: new Date(Date.now() + 60 * DAY_MS),
    })
    .returning('id')) as { id: number }[];
  await owner.raw(
    `insert into customers (tenant_id, email, name)
     select ?, 'renewal-' || g || '@bench.example', 'Bench ' || g from generate_series(1, ?) g`,
    [tenantId, n],
  );
  const { rows } = await owner.raw<{ rows: { id: string; customer_id: string }[] }>(
    `insert into season_subscriptions (tenant_id, package_id, customer_id, status, price_minor, currency, starts_at,
            ends_at, auto_renew, renews_at, payment_provider, stripe_customer_id)
     select ?, ?, c.id, 'active', 30000, 'EUR', now() - interval '300 days', ?, true, ?, 'stripe', 'cus_bench_' || c.id
       from customers c where c.tenant_id = ? order by c.id
     returning id, customer_id`,
    [tenantId, pkg.id, renewsAt, renewsAt, tenantId],
  );
  return { tenantId, renewsAt, subscriptionIds: rows.map((r) => Number(r.id)) };
}

const seconds = (ms: number): number => Math.round(ms / 10) / 100;

export interface SeasonRenewalFigures {
  renewals: number;
  renewals_1000_s: number;
  /** All workflows started, from the end of seeding. */
  workflows_started_s: number;
  /** Starting ran past the renewal date: the figure includes set-up (raise SEASON_RENEWALS_LEAD_S). */
  started_late: boolean;
  /** Latency of a renewal after its due instant. */
  renewal_p50_s: number;
  renewal_p95_s: number;
  /** Succeeded renewal payments beyond one per subscription: must be 0. */
  duplicate_charges: number;
}

export async function benchSeasonRenewals(opts: {
  owner: Db;
  temporal: Client;
  taskQueue: string;
  n: number;
  leadMs: number;
  startConcurrency: number;
  timeoutMs?: number;
}): Promise<SeasonRenewalFigures> {
  const s = await seed(opts.owner, opts.n, new Date(Date.now() + opts.leadMs));
  const seeded = Date.now();
  await inBatches(s.subscriptionIds, opts.startConcurrency, (id) =>
    startIdempotent(opts.temporal, seasonRenewalWorkflowType, seasonRenewalStart(opts.taskQueue, s.tenantId, id)),
  );
  const startedAt = Date.now();
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  for (;;) {
    const [{ renewed }] = (await opts
      .owner('season_renewals')
      .where({ tenant_id: s.tenantId, status: 'renewed' })
      .select(opts.owner.raw('count(*)::int as renewed'))) as { renewed: number }[];
    if (renewed >= opts.n) break;
    if (Date.now() > deadline) throw new Error(`only ${renewed} of ${opts.n} renewed after the deadline`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const latencies = (await opts.owner('season_renewals').where({ tenant_id: s.tenantId }).select('updated_at'))
    .map((r: { updated_at: Date }) => r.updated_at.getTime() - s.renewsAt.getTime())
    .sort((a, b) => a - b);
  const [{ payments }] = (await opts
    .owner('season_payments')
    .where({ tenant_id: s.tenantId, kind: 'renewal', status: 'succeeded' })
    .select(opts.owner.raw('count(*)::int as payments'))) as { payments: number }[];
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    renewals: opts.n,
    renewals_1000_s: seconds(latencies[latencies.length - 1]),
    workflows_started_s: seconds(startedAt - seeded),
    started_late: startedAt > s.renewsAt.getTime(),
    renewal_p50_s: seconds(at(0.5)),
    renewal_p95_s: seconds(at(0.95)),
    duplicate_charges: payments - opts.n,
  };
}

/** The Temporal worker with Stripe payments (the bench stack's own worker pays offline). */
async function startStripeWorker(config: Config, db: Db, temporal: Client, logger: Logger) {
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await startWorkerProcess({
    connection,
    deps: {
      db,
      config,
      logger,
      temporal,
      payments: createPaymentProvider(config),
      mailer: createMailer({ from: config.MAIL_FROM, logger }),
    },
  });
  return async () => {
    await worker.shutdown();
    await connection.close();
  };
}

async function main(): Promise<void> {
  const stripe = await startStripeMock();
  try {
    await withBenchStack(
      {
        name: 'season-renewals',
        temporal: true,
        pool: 20,
        env: { PAYMENT_PROVIDER: 'stripe', STRIPE_API_URL: stripe.url, STRIPE_SECRET_KEY: STRIPE_MOCK_API_KEY },
      },
      async ({ owner, db, temporal, config, logger }) => {
        const stop = await startStripeWorker(config, db, temporal as Client, logger);
        try {
          const figures = await benchSeasonRenewals({
            owner,
            temporal: temporal as Client,
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            n: Number(process.env.SEASON_RENEWALS ?? 1_000),
            leadMs: Number(process.env.SEASON_RENEWALS_LEAD_S ?? 30) * 1000,
            startConcurrency: Number(process.env.SEASON_RENEWALS_START_CONCURRENCY ?? 50),
          });
          console.log(
            JSON.stringify(
              {
                bench: 'season-renewals',
                cpus: os.cpus().length,
                outbox_concurrency: config.OUTBOX_CONCURRENCY,
                ...figures,
              },
              null,
              2,
            ),
          );
        } finally {
          await stop();
        }
      },
    );
  } finally {
    await stripe.stop();
  }
}

if (require.main === module) runBench(main);
