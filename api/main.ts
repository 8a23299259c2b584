import type { Server } from 'node:http';
import { createDb } from '../db/connection';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createTemporalClient } from '../lib/temporal';
import { createPaymentProvider } from '../integrations/payments';
import { createApp } from './app';

/** Starts the API process; resolves once it listens, with a stop() that drains it. */
export async function startApi(env: NodeJS.ProcessEnv = process.env): Promise<{ server: Server; stop(): Promise<void> }> {
  const config = loadConfig(env);
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = createDb(config.appDatabaseUrl, config.DATABASE_POOL_MAX);
  const temporal = await createTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  const { app } = createApp({ config, db, temporal, payments: createPaymentProvider(config), logger });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.API_PORT, '0.0.0.0', () => resolve(s));
  });
  logger.info({ port: config.API_PORT }, 'api listening');
  return {
    server,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await temporal.connection.close();
      await db.destroy();
    },
  };
}

if (require.main === module) {
  startApi().then(({ stop }) => {
    const shutdown = () => { stop().then(() => process.exit(0), () => process.exit(1)); };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
