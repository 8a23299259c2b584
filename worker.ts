import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createDb } from './db/connection';
import { loadConfig } from './lib/config';
import { createLogger } from './lib/logger';
import { OutboxDispatcher } from './activities/platform/dispatcher';
import type { WorkerDeps } from './activities/deps';
import { modules } from './modules';
import type { Activities } from './modules/kit';
import { workflowEntry } from './modules/workflow-entry';
import { createMailer } from './integrations/mail/mailer';
import { createPaymentProvider } from './integrations/payments';
import type { Trigger } from './activities/platform/triggers';

export type { WorkerDeps };

/** Every module's activities and triggers, wired once over the worker's dependencies. */
export async function createWorkerParts(deps: WorkerDeps): Promise<{ activities: Activities; triggers: Trigger[] }> {
  const parts = await Promise.all(modules.map((m) => m.worker?.()));
  return {
    activities: Object.assign({}, ...parts.map((p) => p?.activities?.(deps))) as Activities,
    triggers: parts.flatMap((p) => p?.triggers?.(deps) ?? []),
  };
}

export type WorkflowSource = Pick<WorkerOptions, 'workflowsPath'> | Pick<WorkerOptions, 'workflowBundle'>;

export const defaultWorkflowSource = (): WorkflowSource => ({ workflowsPath: workflowEntry(modules) });

export interface WorkerProcess {
  worker: Worker;
  dispatcher: OutboxDispatcher;
  /** Resolves when the worker has drained after shutdown(). */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

/** The Temporal worker plus the outbox dispatcher that feeds triggers: the whole worker process. */
export async function startWorkerProcess(opts: {
  connection: NativeConnection;
  deps: WorkerDeps;
  workflows?: WorkflowSource;
}): Promise<WorkerProcess> {
  const { config } = opts.deps;
  const { activities, triggers } = await createWorkerParts(opts.deps);
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities,
    ...(opts.workflows ?? defaultWorkflowSource()),
  });
  const dispatcher = new OutboxDispatcher({
    ...opts.deps,
    triggers,
    concurrency: config.OUTBOX_CONCURRENCY,
  });
  await dispatcher.start();
  const running = worker.run();
  return {
    worker,
    dispatcher,
    running,
    async shutdown() {
      await dispatcher.stop();
      opts.deps.mailer.close();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  Runtime.install({
    logger: new DefaultLogger(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'DEBUG' : 'WARN'),
  });
  const db = createDb(config.appDatabaseUrl, config.DATABASE_POOL_MAX);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({
    connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }),
    namespace: config.TEMPORAL_NAMESPACE,
  });
  const deps: WorkerDeps = {
    db,
    config,
    logger,
    temporal,
    mailer: createMailer({
      smtpUrl: config.SMTP_URL,
      from: config.MAIL_FROM,
      logger,
      maxConnections: config.OUTBOX_CONCURRENCY,
    }),
    payments: createPaymentProvider(config),
  };
  const proc = await startWorkerProcess({ connection, deps });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  const stop = () => {
    void proc.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await proc.running;
  await Promise.all([connection.close(), temporal.connection.close()]);
  await db.destroy();
  logger.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
