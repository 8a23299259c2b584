import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { createDb } from '../db/connection';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createTemporalClient } from '../lib/temporal';
import { createPaymentProvider } from '../integrations/payments';
import { createApp } from './app';

/** Starts the API process; resolves once it listens, with a stop() that drains it. */
export async function startApi(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ server: Server; stop(): Promise<void> }> {
  const config = loadConfig(env);
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = createDb(config.appDatabaseUrl, config.DATABASE_POOL_MAX);
  const temporal = await createTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  const { app } = await createApp({ config, db, temporal, payments: createPaymentProvider(config), logger });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.API_PORT, '0.0.0.0', () => resolve(s));
  });
  logger.info({ port: config.API_PORT, pid: process.pid }, 'api listening');
  return {
    server,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
      await db.destroy();
    },
  };
}

/**
 * With API_WORKERS > 1 this process only supervises: it forks that many API processes sharing
 * API_PORT (one Node process uses one core), replaces one that dies after it was serving, and on
 * SIGTERM/SIGINT passes SIGTERM on and exits once every one has drained.
 */
function superviseWorkers(count: number): void {
  const logger = createLogger('api', loadConfig().LOG_LEVEL);
  const serving = new Set<number>();
  let exitCode: number | undefined;
  const shutdown = (code: number) => {
    exitCode ??= code;
    const workers = Object.values(cluster.workers ?? {});
    if (!workers.length) process.exit(exitCode);
    for (const worker of workers) worker?.process.kill('SIGTERM');
  };
  cluster.on('listening', (worker) => serving.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    if (exitCode !== undefined) {
      if (!Object.keys(cluster.workers ?? {}).length) process.exit(exitCode);
    } else if (serving.has(worker.id)) {
      logger.error({ pid: worker.process.pid, code, signal }, 'api process died; starting another');
      cluster.fork();
    } else {
      // It never got to listen (bad configuration, database down): a new one would fail the same way.
      logger.error({ pid: worker.process.pid, code, signal }, 'api process failed to start');
      shutdown(1);
    }
  });
  process.once('SIGINT', () => shutdown(0));
  process.once('SIGTERM', () => shutdown(0));
  for (let i = 0; i < count; i++) cluster.fork();
}

if (require.main === module) {
  const { API_WORKERS } = loadConfig();
  if (cluster.isPrimary && API_WORKERS > 1) {
    superviseWorkers(API_WORKERS);
  } else {
    startApi()
      .then(({ stop }) => {
        // Ctrl-C reaches a cluster's API processes twice (from the terminal and from the supervisor).
        let stopping: Promise<void> | undefined;
        const shutdown = () => {
          stopping ??= stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      })
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  }
}
