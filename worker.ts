import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createDb, type Db } from './db/connection';
import { loadConfig } from './lib/config';
import { createLogger } from './lib/logger';
import { createOrderActivities } from './activities/orders';

export interface WorkerDeps {
  db: Db;
}

/** Every activity the worker serves, wired once over its dependencies. */
export function createActivities(deps: WorkerDeps) {
  return {
    ...createOrderActivities(deps),
  };
}

export type WorkflowSource = Pick<WorkerOptions, 'workflowsPath'> | Pick<WorkerOptions, 'workflowBundle'>;

export const defaultWorkflowSource = (): WorkflowSource => ({ workflowsPath: require.resolve('./workflows') });

export async function createWorker(opts: { connection: NativeConnection; namespace: string; taskQueue: string; deps: WorkerDeps; workflows?: WorkflowSource }): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflows ?? defaultWorkflowSource()),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  const db = createDb(config.appDatabaseUrl, config.DATABASE_POOL_MAX);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, deps: { db } });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  // Worker.run resolves after shutdown() has drained in-flight tasks (it installs SIGINT/SIGTERM handlers).
  await worker.run();
  await connection.close();
  await db.destroy();
  logger.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
