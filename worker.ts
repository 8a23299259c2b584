import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createDb, type Db } from './db/connection';
import { loadConfig, type Config } from './lib/config';
import { createLogger, type Logger } from './lib/logger';
import { createEventActivities } from './activities/events';
import { createOrderActivities } from './activities/orders';
import { createResaleActivities } from './activities/resale';
import { createWaitlistActivities } from './activities/waitlist';
import { createWalletActivities } from './activities/wallet';
import { createRefundActivities } from './activities/refunds';
import { createWebhookActivities } from './activities/webhooks';
import { OutboxDispatcher } from './activities/platform/dispatcher';
import { createTriggers } from './activities/registry';
import { createMailer, type Mailer } from './integrations/mail/mailer';
import { createPaymentProvider } from './integrations/payments';
import type { PaymentProvider } from './integrations/payments/provider';

/** What activities and triggers are built over; tests pass the same shape with local stand-ins. */
export interface WorkerDeps {
  db: Db;
  config: Config;
  logger: Logger;
  temporal: Client;
  mailer: Mailer;
  payments: PaymentProvider;
}

/** Every activity the worker serves, wired once over its dependencies. */
export function createActivities(deps: WorkerDeps) {
  return {
    ...createEventActivities(deps),
    ...createOrderActivities(deps),
    ...createWaitlistActivities(deps),
    ...createResaleActivities(deps),
    ...createWalletActivities(deps),
    ...createRefundActivities(deps),
    ...createWebhookActivities(deps),
  };
}

export type WorkflowSource = Pick<WorkerOptions, 'workflowsPath'> | Pick<WorkerOptions, 'workflowBundle'>;

export const defaultWorkflowSource = (): WorkflowSource => ({ workflowsPath: require.resolve('./workflows') });

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
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: createActivities(opts.deps),
    ...(opts.workflows ?? defaultWorkflowSource()),
  });
  const dispatcher = new OutboxDispatcher({
    ...opts.deps,
    triggers: createTriggers(opts.deps),
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
