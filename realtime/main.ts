import './v8-flags';
import { createDb } from '../db/connection';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startRealtimeServer } from './server';
import { UwsUnavailableError } from './uws';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('realtime', config.LOG_LEVEL);
  const db = createDb(config.appDatabaseUrl, config.DATABASE_POOL_MAX);
  const server = await startRealtimeServer(
    { db, logger, allowJsFallback: config.REALTIME_ALLOW_JS_FALLBACK, tokenSecret: config.TOKEN_SECRET },
    config.REALTIME_PORT,
  );
  const shutdown = () => {
    server
      .stop()
      .then(() => db.destroy())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  // Says what to install; its stack trace would only bury that.
  console.error(err instanceof UwsUnavailableError ? err.message : err);
  process.exit(1);
});
