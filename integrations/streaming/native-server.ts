import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import NodeMediaServer from 'node-media-server';
import nmsLogger from 'node-media-server/src/core/logger.js';
import { hlsFolderName, relaySignature } from '../../domain/streaming/playback-token';
import type { Logger } from '../../lib/logger';

export interface NativeServerOptions {
  rtmpPort: number;
  /** The API's `/api/streaming/native/callback`: every publish and play is put to it. */
  callbackUrl: string;
  mediaDir: string;
  ffmpegPath: string;
  tokenSecret: string;
  logger: Logger;
}

export interface NativeServer {
  stop(): Promise<void>;
}

/**
 * The native provider's media server: node-media-server takes RTMP ingest (OBS, ffmpeg) and asks the API about each
 * publish and play; for each admitted publish, Debian's ffmpeg reads the stream back (with the relay signature) and
 * packages it as HLS under `<mediaDir>/hls/<folder>`, keeping every segment: the same playlist serves live, DVR and
 * replay, through the API's token-gated route. node-media-server 4 has no HLS of its own.
 */
export async function startNativeServer(o: NativeServerOptions): Promise<NativeServer> {
  const nms = new NodeMediaServer({
    bind: '127.0.0.1',
    store: { path: path.join(o.mediaDir, 'nms') },
    rtmp: { port: o.rtmpPort },
    webadmin: { enable: false },
  });
  // Its constructor sets debug logging to stdout; our logger says what matters.
  nmsLogger.level = 'error';
  const packagers = new Map<string, ChildProcess>();

  // node-media-server's own notifier posts JSON as text/plain, which the API refuses: ask the API ourselves, with the
  // same contract (anything but 200 closes the session).
  for (const action of ['prePublish', 'postPublish', 'prePlay'] as const) {
    nms.on(action, (session) => {
      const body = JSON.stringify({
        action,
        app: session.streamApp,
        name: session.streamName,
        query: session.streamQuery,
      });
      fetch(o.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        (res) => {
          if (res.status !== 200) session.close();
        },
        (err: unknown) => {
          o.logger.warn({ err, action }, 'media server callback failed; closing the session');
          session.close();
        },
      );
    });
  }

  nms.on('postPublish', (session) => {
    const key = session.streamName;
    const folder = path.join(o.mediaDir, 'hls', hlsFolderName(key));
    mkdirSync(folder, { recursive: true });
    const source = `rtmp://127.0.0.1:${o.rtmpPort}/${session.streamApp}/${key}?relay=${relaySignature(o.tokenSecret, key)}`;
    const child = spawn(
      o.ffmpegPath,
      [
        ...['-hide_banner', '-loglevel', 'error', '-i', source, '-c', 'copy', '-f', 'hls'],
        ...['-hls_time', '2', '-hls_list_size', '0', '-hls_playlist_type', 'event', '-hls_flags', 'append_list'],
        ...['-hls_segment_filename', path.join(folder, 'seg_%05d.ts'), path.join(folder, 'index.m3u8')],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => o.logger.debug({ stream: folder }, d.toString().trim()));
    child.on('exit', () => {
      if (packagers.get(session.id) === child) packagers.delete(session.id);
    });
    packagers.set(session.id, child);
  });
  // ffmpeg ends by itself when the publisher goes; this only makes sure.
  nms.on('donePublish', (session) => {
    const child = packagers.get(session.id);
    setTimeout(() => child?.kill('SIGINT'), 5_000).unref();
  });

  await nms.run();
  return {
    async stop() {
      for (const child of packagers.values()) child.kill('SIGINT');
      await nms.stop();
    },
  };
}
