/**
 * A benchmark's own stack on 127.0.0.1: embedded Postgres (migrated) and, when asked, a Temporal
 * dev server with a worker, all stopped and removed when the benchmark is done.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDb, type Db } from '../db/connection';
import { migrate } from '../db/migrate';
import { createMailer } from '../integrations/mail/mailer';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { appDatabaseUrl, loadConfig, type Config } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { startPostgres } from '../scripts/stack/postgres';
import { startTemporal } from '../scripts/stack/temporal';
import { freePort } from '../scripts/stack/wait';
import { startWorkerProcess } from '../worker';

const APP_PASSWORD = 'usher_bench_password';

export interface BenchStack {
  config: Config;
  /** Owner connection: bypasses row-level security, for seeding and inspecting. */
  owner: Db;
  /** The application role, as the API and worker use it. */
  db: Db;
  logger: Logger;
  /** With `temporal: true`. */
  temporal?: Client;
}

export interface BenchStackOptions {
  /** Names the task queue and the temporary directory. */
  name: string;
  temporal?: boolean;
  /** Runs the Temporal worker (workflows, activities, outbox dispatcher) in this process. */
  worker?: boolean;
  /** Connections of the application pool. */
  pool?: number;
  env?: Record<string, string>;
}

export async function withBenchStack<T>(opts: BenchStackOptions, fn: (stack: BenchStack) => Promise<T>): Promise<T> {
  if (opts.temporal) Runtime.install({ logger: new DefaultLogger('ERROR') });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `usher-bench-${opts.name}-`));
  fs.chmodSync(workDir, 0o755);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const [postgres, temporal] = await Promise.all([
      startPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort() }),
      opts.temporal ? startTemporal({ port: await freePort() }) : undefined,
    ]);
    stops.unshift(() => postgres.stop());
    if (temporal) stops.unshift(() => temporal.stop());
    await migrate(postgres.url, APP_PASSWORD);
    const pool = opts.pool ?? 10;
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: postgres.url,
      APP_DATABASE_URL: appDatabaseUrl(postgres.url, APP_PASSWORD),
      ...(temporal && { TEMPORAL_ADDRESS: temporal.address }),
      TEMPORAL_TASK_QUEUE: `bench-${opts.name}`,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_POOL_MAX: String(pool),
      PAYMENT_PROVIDER: 'offline',
      ...opts.env,
    });
    const logger = createLogger('bench', process.env.BENCH_DEBUG ? 'error' : 'silent');
    const owner = createDb(postgres.url, 2);
    const db = createDb(config.appDatabaseUrl, pool);
    stops.unshift(
      () => owner.destroy(),
      () => db.destroy(),
    );
    let client: Client | undefined;
    if (temporal) {
      const c = new Client({ connection: await Connection.connect({ address: temporal.address }) });
      client = c;
      stops.unshift(() => c.connection.close());
    }
    if (temporal && client && opts.worker) {
      const native = await NativeConnection.connect({ address: temporal.address });
      const worker = await startWorkerProcess({
        connection: native,
        deps: {
          db,
          config,
          logger,
          temporal: client,
          payments: new OfflinePaymentProvider(),
          mailer: createMailer({ from: config.MAIL_FROM, logger }),
        },
      });
      stops.unshift(async () => {
        await worker.shutdown();
        await native.close();
      });
    }
    return await fn({ config, owner, db, logger, temporal: client });
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs a benchmark's entry point and exits with its outcome (open handles of the stack never hold it). */
export function runBench(main: () => Promise<unknown>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
