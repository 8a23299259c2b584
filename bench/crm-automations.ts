/**
 * CRM automations benchmark: `automation_enrolments_per_s` for N customers (10,000 by default)
 * entering a segment at once. One transaction emits `crm.segment_entered` for every one of them;
 * the outbox dispatcher runs the segment-entry trigger per event (an enrolment row in the event's
 * transaction, then the enrolment's workflow started after commit). The clock stops when all N
 * enrolment rows exist and Temporal counts every one of their workflows as started.
 *
 *   npx tsx bench/crm-automations.ts       (BENCH_ENROLMENTS=2000 to change the size)
 *
 * `benchAutomationEnrolments` takes a running stack, so `npm run bench:crm` can share one with the
 * other CRM figures; run alone it starts Postgres, Temporal and a worker on free ports and prints JSON.
 */
import { runBench, withBenchStack } from './stack';
import os from 'node:os';
import { type Client } from '@temporalio/client';
import { withTenant, type Db } from '../db/connection';
import { createAutomation } from '../db/crm/automations';
import { emit } from '../db/platform/outbox';
import { upsertModule } from '../db/platform/modules';
import { createTenant } from '../db/tenants/tenants';

export interface AutomationEnrolmentBenchOptions {
  /** Owner connection (bypasses row-level security): seeds the tenant and watches progress. */
  owner: Db;
  /** Application connection: emits the events as the segments part does. */
  db: Db;
  temporal: Client;
  customers: number;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
}

export interface AutomationEnrolmentFigures {
  enrolments: number;
  automation_enrolments_per_s: number;
  /** When all rows existed, and when all workflows had started (s from the commit of the events). */
  rows_s: number;
  workflows_s: number;
  workflows_started: number;
}

/** Seeds N consenting customers and an active segment-entry automation, then times the fan-out. */
export async function benchAutomationEnrolments(
  opts: AutomationEnrolmentBenchOptions,
): Promise<AutomationEnrolmentFigures> {
  const n = opts.customers;
  const tenantId = (await createTenant(opts.owner, { name: 'CRM automations bench' })).id;
  await upsertModule(opts.owner, tenantId, 'crm', { enabled: true });
  await opts.owner.raw(
    `insert into customers (tenant_id, email, name, marketing_consent)
     select ?, 'enrol-' || g || '@bench.example', 'Bench ' || g, true from generate_series(1, ?) g`,
    [tenantId, n],
  );
  const customerIds = (await opts.owner('customers').where({ tenant_id: tenantId }).orderBy('id').pluck('id')).map(
    Number,
  );
  // The segment id only has to match the automation's trigger: the benchmark is about the fan-out.
  const segmentId = 1;
  const automation = await withTenant(opts.db, tenantId, (tx) =>
    createAutomation(tx, tenantId, {
      name: 'Bench: segment entry',
      trigger_type: 'segment_entry',
      trigger_config: { segment_id: segmentId },
      status: 'active',
      holdout_pct: 5,
      time_scale: 1,
      template: null,
      // A long first wait: the workflows start, reach their first step and hold there.
      steps: [{ action_type: 'wait', action_config: { duration: '1 day' } }],
    }),
  );

  await withTenant(opts.db, tenantId, (tx) =>
    emit(
      tx,
      tenantId,
      customerIds.map((customerId) => ({
        type: 'crm.segment_entered' as const,
        aggregateType: 'customer',
        aggregateId: customerId,
        payload: { segment_id: segmentId, customer_id: customerId },
      })),
    ),
  );
  const started = performance.now();
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  let rowsAt = 0;
  let started_ = 0;
  for (;;) {
    const [{ rows }] = (await opts
      .owner('automation_enrolments')
      .where({ automation_id: automation.id })
      .select(opts.owner.raw('count(*)::int as rows'))) as { rows: number }[];
    if (!rowsAt && rows >= n) rowsAt = performance.now();
    if (rowsAt) {
      const { count } = await opts.temporal.workflow.count(
        `WorkflowType = 'crmEnrolmentWorkflow' AND TenantId = '${tenantId}'`,
      );
      started_ = count;
      if (count >= n) break;
    }
    if (Date.now() > deadline) throw new Error(`only ${rows} rows and ${started_} workflows after the deadline`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const done = performance.now();
  return {
    enrolments: n,
    automation_enrolments_per_s: Math.round((n / ((done - started) / 1000)) * 10) / 10,
    rows_s: Math.round((rowsAt - started) / 10) / 100,
    workflows_s: Math.round((done - started) / 10) / 100,
    workflows_started: started_,
  };
}

async function main(): Promise<void> {
  await withBenchStack(
    { name: 'crm-automations', temporal: true, worker: true, pool: 20 },
    async ({ owner, db, temporal, config }) => {
      const figures = await benchAutomationEnrolments({
        owner,
        db,
        temporal: temporal as Client,
        customers: Number(process.env.BENCH_ENROLMENTS ?? 10_000),
      });
      console.log(
        JSON.stringify(
          {
            bench: 'crm-automations',
            cpus: os.cpus().length,
            outbox_concurrency: config.OUTBOX_CONCURRENCY,
            ...figures,
          },
          null,
          2,
        ),
      );
    },
  );
}

if (require.main === module) runBench(main);
