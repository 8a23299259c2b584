/**
 * Season renewals benchmark: `renewals_1000_s` for N subscriptions (`SEASON_RENEWALS`, 1,000 by default)
 * renewing at the same instant, charged through Stripe (stripe-mock). Each subscription is announced
 * with `season.subscription_started`, as a purchase does; the renewal trigger starts its workflow,
 * which sleeps until the common renewal date (`SEASON_RENEWALS_LEAD_S` after the events, 30 s by
 * default), then charges the saved card off-session and moves the subscription on a year. The clock
 * runs from that renewal date until the last period is recorded renewed; reminders are switched off
 * so only the renewals are timed. Target ≤ 30 s.
 *
 *   npx tsx bench/season-renewals.ts       (SEASON_RENEWALS=200 to change the size)
 *
 * `bench/season.ts` runs it as a child and merges the JSON it prints.
 */
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { withTenant, type Db } from '../db/connection';
import { upsertModule } from '../db/platform/modules';
import { emit } from '../db/platform/outbox';
import { createTenant } from '../db/tenants/tenants';
import { createMailer } from '../integrations/mail/mailer';
import { createPaymentProvider } from '../integrations/payments';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
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
async function seed(owner: Db, db: Db, n: number, renewsAt: Date): Promise<Seeded> {
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
  await withTenant(db, tenantId, (tx) =>
    emit(
      tx,
      tenantId,
      rows.map((r) => ({
        type: 'season.subscription_started' as const,
        aggregateType: 'season_subscription',
        aggregateId: Number(r.id),
        payload: {
          subscription_id: Number(r.id),
          package_id: Number(pkg.id),
          customer_id: Number(r.customer_id),
          price_minor: 30_000,
          currency: 'EUR',
          payment_provider: 'stripe' as const,
          starts_at: new Date(Date.now() - 300 * DAY_MS).toISOString(),
          ends_at: renewsAt.toISOString(),
          renews_at: renewsAt.toISOString(),
        },
      })),
    ),
  );
  return { tenantId, renewsAt, subscriptionIds: rows.map((r) => Number(r.id)) };
}

const seconds = (ms: number): number => Math.round(ms / 10) / 100;

export interface SeasonRenewalFigures {
  renewals: number;
  renewals_1000_s: number;
  /** All workflows started, from the events' commit. */
  workflows_started_s: number;
  /** Latency of a renewal after its due instant. */
  renewal_p50_s: number;
  renewal_p95_s: number;
  /** Succeeded renewal payments beyond one per subscription: must be 0. */
  duplicate_charges: number;
}

export async function benchSeasonRenewals(opts: {
  owner: Db;
  db: Db;
  temporal: Client;
  n: number;
  leadMs: number;
  timeoutMs?: number;
}): Promise<SeasonRenewalFigures> {
  const emitted = Date.now();
  const s = await seed(opts.owner, opts.db, opts.n, new Date(Date.now() + opts.leadMs));
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  let startedAt = 0;
  for (;;) {
    if (!startedAt) {
      const { count } = await opts.temporal.workflow.count(
        `WorkflowType = 'seasonRenewalWorkflow' AND TenantId = '${s.tenantId}'`,
      );
      if (count >= opts.n) startedAt = Date.now();
    }
    const [{ renewed }] = (await opts
      .owner('season_renewals')
      .where({ tenant_id: s.tenantId, status: 'renewed' })
      .select(opts.owner.raw('count(*)::int as renewed'))) as { renewed: number }[];
    if (renewed >= opts.n && startedAt) break;
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
    workflows_started_s: seconds(startedAt - emitted),
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
            db,
            temporal: temporal as Client,
            n: Number(process.env.SEASON_RENEWALS ?? 1_000),
            leadMs: Number(process.env.SEASON_RENEWALS_LEAD_S ?? 30) * 1000,
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
