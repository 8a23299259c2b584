import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { runInThisContext } from 'node:vm';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createApp, type ApiApp } from '../../api/app';
import { createDb, type Db } from '../../db/connection';
import { appDatabaseUrl, loadConfig, type Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { createPaymentProvider } from '../../integrations/payments';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { startWorkerProcess, type WorkerDeps, type WorkerProcess } from '../../worker';
import { createMailer } from '../../integrations/mail/mailer';
import { startSmtpReceiver, type ReceivedMail } from './smtp';
import { withDatabase } from '../../scripts/stack/postgres';
import { TEST_APP_PASSWORD } from '../global-setup';
import { testEnv } from '../stack-env';

let runtimeInstalled = false;
/** Temporal's runtime logs every worker state change and retried activity; tests only want errors. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/**
 * Collects pg's warning that a client was sent a query while it was still running one (two queries
 * at once on one transaction's connection), which pg 9 turns into an error. Jest hands each test
 * file a copy of `process`; pg warns on Node's own, reached through the main context.
 */
function watchConcurrentQueries(): { stop(): string[] } {
  const nodeProcess = runInThisContext('process') as NodeJS.Process;
  const seen: string[] = [];
  const onWarning = (warning: Error): void => {
    if (warning.name === 'DeprecationWarning' && warning.message.includes('client.query()'))
      seen.push(warning.stack ?? warning.message);
  };
  nodeProcess.on('warning', onWarning);
  return {
    stop() {
      nodeProcess.off('warning', onWarning);
      return seen;
    },
  };
}

export interface Harness {
  config: Config;
  /** Owner connection: bypasses row-level security, for arranging and inspecting data. */
  owner: Db;
  /** The application role: what the API and activities use. */
  db: Db;
  temporal: Client;
  api: ApiApp;
  baseUrl: string;
  /** The worker process (Temporal worker and outbox dispatcher) when `worker: true`. */
  worker?: WorkerProcess;
  /** What the real SMTP receiver got. */
  mail: ReceivedMail[];
  /** Addresses the SMTP server turns away for now. */
  refuseMail: Set<string>;
  /** Refuses the next `next` messages with SMTP 421 (throttling). */
  throttleMail: { next: number; refused: number };
  /** What the API logged at error level (each 500 with its cause), whatever LOG_LEVEL says. */
  apiErrors: string[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  worker?: boolean;
  env?: Record<string, string>;
  payments?: PaymentProvider;
}

/** A private database cloned from the migrated template, its own task queue, and the API on a free port. */
export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const concurrentQueries = watchConcurrentQueries();
  const adminUrl = testEnv('adminUrl');
  const dbName = `usher_t_${randomBytes(5).toString('hex')}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName} template ${testEnv('templateDb')}`);
  await admin.end();

  const ownerUrl = withDatabase(adminUrl, dbName);
  const config = loadConfig({
    DATABASE_URL: ownerUrl,
    APP_DATABASE_URL: appDatabaseUrl(ownerUrl, TEST_APP_PASSWORD),
    TEMPORAL_ADDRESS: testEnv('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${dbName}`,
    API_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    STRIPE_API_URL: testEnv('stripeMockUrl'),
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_WEBHOOK_SECRET: 'whsec_test_secret',
    // Tests' webhook receivers listen on 127.0.0.1; test/api/webhook-ssrf.test.ts turns this off.
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    ...opts.env,
  });
  const smtp = await startSmtpReceiver();
  Object.assign(config, { SMTP_URL: smtp.url });
  const owner = createDb(ownerUrl, 5);
  const db = createDb(config.appDatabaseUrl, 30);
  const temporal = new Client({
    connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }),
    namespace: config.TEMPORAL_NAMESPACE,
  });
  const logger = createLogger('test', config.LOG_LEVEL);
  const apiErrors: string[] = [];
  const api = await createApp({
    config,
    db,
    temporal,
    payments: opts.payments ?? createPaymentProvider(config),
    logger: pino(
      { level: 'error' },
      pino.multistream([
        { level: 'error', stream: { write: (line: string) => apiErrors.push(line) } },
        ...(config.LOG_LEVEL === 'silent' ? [] : [{ level: 'error' as const, stream: process.stdout }]),
      ]),
    ),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let worker: WorkerProcess | undefined;
  let nativeConnection: NativeConnection | undefined;
  if (opts.worker) {
    quietTemporalRuntime();
    nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const deps: WorkerDeps = {
      db,
      config,
      logger,
      temporal,
      payments: opts.payments ?? createPaymentProvider(config),
      mailer: createMailer({ smtpUrl: smtp.url, from: config.MAIL_FROM, logger }),
    };
    worker = await startWorkerProcess({
      connection: nativeConnection,
      deps,
      workflows: { workflowBundle: { codePath: testEnv('workflowBundle') } },
    });
  }

  return {
    config,
    owner,
    db,
    temporal,
    api,
    baseUrl,
    worker,
    mail: smtp.messages,
    refuseMail: smtp.refuse,
    throttleMail: smtp.throttle,
    apiErrors,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker?.shutdown();
      await smtp.stop();
      await nativeConnection?.close();
      await temporal.connection.close();
      await db.destroy();
      await owner.destroy();
      const a = new PgClient({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${dbName} with (force)`);
      await a.end();
      const concurrent = concurrentQueries.stop();
      if (concurrent.length)
        throw new Error(`Queries ran concurrently on one pg client; await them in turn:\n${concurrent.join('\n')}`);
    },
  };
}

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small HTTP client bound to one credential. */
export function client(baseUrl: string, token?: string) {
  async function request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  return {
    request,
    get: <T = Record<string, unknown>>(path: string, headers?: Record<string, string>) =>
      request<T>('GET', path, undefined, headers),
    post: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) =>
      request<T>('POST', path, body ?? {}, headers),
    patch: <T = Record<string, unknown>>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
    put: <T = Record<string, unknown>>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
    delete: <T = Record<string, unknown>>(path: string) => request<T>('DELETE', path),
  };
}

export type ApiClient = ReturnType<typeof client>;

/** Waits on a condition with a deadline instead of sleeping a fixed time. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
