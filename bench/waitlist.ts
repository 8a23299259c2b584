/**
 * `npm run bench:waitlist`: joins per second through the API for 10,000 entries on one event, and
 * the time from releasing 1,000 tickets (inventory raised) to all 1,000 offers running as
 * workflows and e-mailed. Starts its own Postgres, Temporal and SMTP receiver on 127.0.0.1 and
 * stops them; prints one JSON object.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../db/connection';
import { migrate } from '../db/migrate';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { loadConfig } from '../lib/config';
import { startPostgres } from '../scripts/stack/postgres';
import { startTemporal } from '../scripts/stack/temporal';
import { procStat } from '../scripts/stack/processes';
import { freePort, waitFor } from '../scripts/stack/wait';
import { startSmtpReceiver } from '../test/helpers/smtp';
import { treeCpuSeconds } from './cpu';
import { apiReady, startBenchProcess, workerRunning } from './processes';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 10_000);
const RELEASED = Number(process.env.BENCH_RELEASED ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
/** One API process per core of the machine the figures are measured on. */
const API_WORKERS = Number(process.env.BENCH_API_WORKERS ?? 1);

async function main(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-bench-waitlist-'));
  fs.chmodSync(workDir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  try {
    const [pg, temporal] = await Promise.all([
      startPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort() }),
      startTemporal({ port: await freePort() }),
    ]);
    stops.push(pg.stop, temporal.stop);
    const smtp = await startSmtpReceiver();
    stops.push(smtp.stop);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'info',
      PAYMENT_PROVIDER: 'offline',
      TEMPORAL_TASK_QUEUE: 'bench-waitlist',
      API_PORT: String(await freePort()),
      API_WORKERS: String(API_WORKERS),
    };
    const config = loadConfig(env);
    await migrate(config.DATABASE_URL, config.APP_DATABASE_PASSWORD);
    const owner = createDb(config.DATABASE_URL, 2);
    stops.push(() => owner.destroy());
    const temporalClient = new Client({
      connection: await Connection.connect({ address: temporal.address }),
      namespace: temporal.namespace,
    });
    stops.push(() => temporalClient.connection.close());

    // The processes production runs, each on its own: the worker (Temporal worker and outbox
    // dispatcher) and the API with API_WORKERS processes.
    // BENCH_CPU_PROF=<dir> profiles both.
    const worker = startBenchProcess('worker.ts', env);
    stops.push(() => worker.stop());
    const api = startBenchProcess('api/main.ts', env);
    stops.push(() => api.stop());
    const baseUrl = `http://127.0.0.1:${config.API_PORT}`;
    await Promise.all([workerRunning(worker, 120_000), apiReady(api, baseUrl, 60_000)]);

    const tenant = await createTenant(owner, { name: 'Bench' });
    await upsertModule(owner, tenant.id, 'waitlist', { enabled: true, settings: { offer_window_s: 3600 } });
    const { key } = await createApiKey(owner, tenant.id, 'bench', ['admin']);
    // Plain keep-alive HTTP: the load generator shares the two cores with what it measures, and
    // fetch costs several times the CPU per request.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const call = <T>(method: string, url: string, body?: unknown): Promise<T> =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = http.request(
          baseUrl + url,
          {
            method,
            agent,
            headers: {
              authorization: `Bearer ${key}`,
              ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              if ((res.statusCode ?? 0) >= 400) reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`));
              else resolve((text ? JSON.parse(text) : undefined) as T);
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    stops.push(async () => agent.destroy());

    const starts = new Date(Date.now() + 30 * 86_400_000);
    const event = await call<{ id: number }>('POST', '/api/events', {
      name: 'Bench sell-out',
      venue: { name: 'Arena' },
      timezone: 'UTC',
      status: 'on_sale',
      starts_at: starts.toISOString(),
      ends_at: new Date(starts.getTime() + 3_600_000).toISOString(),
      capacity: 2 * RELEASED,
    });
    const tt = await call<{ id: number }>('POST', `/api/events/${event.id}/ticket-types`, {
      name: 'GA',
      price_minor: 5000,
      currency: 'EUR',
      inventory: RELEASED,
    });
    // Sold out without 1,000 orders: the benchmark is about the waitlist, not checkout.
    await owner('ticket_types').where({ id: tt.id }).update({ sold: RELEASED });
    await owner('events').where({ id: event.id }).update({ status: 'sold_out' });
    await call('PUT', `/api/waitlist/events/${event.id}`, { open: true });

    // Postgres runs embedded or not: its backends' parent is the server, whichever it is.
    const {
      rows: [{ pid: backend }],
    } = await owner.raw<{ rows: { pid: number }[] }>('select pg_backend_pid() as pid');
    const postgresPid = procStat(backend)?.ppid as number;
    const cpu = () => ({
      api: treeCpuSeconds(api.child.pid as number),
      worker: treeCpuSeconds(worker.child.pid as number),
      postgres: treeCpuSeconds(postgresPid),
      temporal: temporal.pid ? treeCpuSeconds(temporal.pid) : 0,
      bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    });
    type Cpu = ReturnType<typeof cpu>;
    const msPer = (from: Cpu, to: Cpu, n: number) =>
      Object.fromEntries(
        Object.entries(to).map(([k, v]) => [k, Number((((v - from[k as keyof Cpu]) * 1000) / n).toFixed(3))]),
      );
    const cpuBefore = cpu();
    let next = 0;
    const joinStarted = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < ENTRIES; i = next++) {
          await call('POST', '/api/waitlist/join', {
            event_id: event.id,
            ticket_type_id: tt.id,
            customer: { email: `fan${i}@bench.example`, name: `Fan ${i}` },
          });
        }
      }),
    );
    const joinSeconds = (Date.now() - joinStarted) / 1000;
    const cpuJoined = cpu();
    // Entries inserted by one transaction share its xmin: how many joins each commit carried.
    const [{ transactions }] = (await owner('waitlist_entries')
      .where({ event_id: event.id })
      .select(owner.raw('count(distinct xmin::text)::int as transactions'))) as { transactions: number }[];

    const released = Date.now();
    await call('PATCH', `/api/ticket-types/${tt.id}`, { inventory: 2 * RELEASED });
    let workflowsRunningAt = 0;
    let mailedAt = 0;
    await waitFor(
      async () => {
        if (!workflowsRunningAt) {
          const { count } = await temporalClient.workflow.count(
            `WorkflowType = 'waitlistOfferWorkflow' AND ExecutionStatus = 'Running'`,
          );
          if (count >= RELEASED) workflowsRunningAt = Date.now();
        }
        if (!mailedAt && smtp.messages.length >= RELEASED) mailedAt = Date.now();
        return Boolean(workflowsRunningAt && mailedAt);
      },
      { timeoutMs: 300_000, intervalMs: 200, what: 'all offers running and e-mailed' },
    );
    const cpuOffered = cpu();
    const offered = await owner('waitlist_entries')
      .where({ event_id: event.id, status: 'notified' })
      .count<{ count: string }[]>({ count: '*' });

    console.log(
      JSON.stringify({
        benchmark: 'waitlist',
        entries: ENTRIES,
        join_concurrency: CONCURRENCY,
        joins_per_s: Math.round(ENTRIES / joinSeconds),
        join_seconds: Number(joinSeconds.toFixed(2)),
        joins_per_commit: Number((ENTRIES / transactions).toFixed(1)),
        cpu_ms_per_join: msPer(cpuBefore, cpuJoined, ENTRIES),
        released: RELEASED,
        offers_1000_s: Number((Math.max(workflowsRunningAt, mailedAt) - released) / 1000),
        workflows_running_s: Number((workflowsRunningAt - released) / 1000),
        emails_sent_s: Number((mailedAt - released) / 1000),
        entries_notified: Number(offered[0].count),
        cpu_ms_per_offer: msPer(cpuJoined, cpuOffered, RELEASED),
        targets: { joins_per_s: 1000, offers_1000_s: 20 },
      }),
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
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
