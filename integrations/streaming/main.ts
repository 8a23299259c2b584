import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { startNativeServer } from './native-server';

/** `npm run media`: the native streaming provider's media server (RTMP ingest, HLS packaging), beside the API. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('media', config.LOG_LEVEL);
  const server = await startNativeServer({
    rtmpPort: config.STREAMING_RTMP_PORT,
    callbackUrl: `http://127.0.0.1:${config.API_PORT}/api/streaming/native/callback`,
    mediaDir: config.STREAMING_MEDIA_DIR,
    ffmpegPath: config.FFMPEG_PATH,
    tokenSecret: config.TOKEN_SECRET,
    logger,
  });
  logger.info({ rtmp: config.STREAMING_RTMP_URL }, 'media server ready');
  const shutdown = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
