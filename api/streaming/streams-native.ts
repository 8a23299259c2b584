import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type Koa from 'koa';
import { z } from 'zod';
import { withTenant } from '../../db/connection';
import { getStream, moveStream } from '../../db/streaming/streams';
import { hlsFolderName, parseIngestKey, sameString, verifyPlaybackToken } from '../../domain/streaming/playback-token';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { definePublicRoute } from '../route';
import { ProblemSchema } from '../schemas/common';
import { isPlayAction, MediaServerCallback, NATIVE_CALLBACK_PATH, playbackRefused } from './native-callback';
import { PlaybackGate } from './playback-gate';
import { HlsParams, HlsQuery } from './streams-schemas';

const HLS_FILE = /^(index\.m3u8|[A-Za-z0-9_-]{1,64}\.ts)$/;

const refused = (code: string, message: string) => new AppError(403, code, message);

/** The native media server's auth callback and the token-gated HLS it produces (live and replay). */
export function nativeRoutes(deps: RouterDeps): void {
  const tags = ['streaming'];
  const secret = deps.config.TOKEN_SECRET;
  const hlsRoot = path.resolve(deps.config.STREAMING_MEDIA_DIR, 'hls');

  const gate = new PlaybackGate(deps.db, secret);

  definePublicRoute(deps, {
    method: 'post',
    path: NATIVE_CALLBACK_PATH,
    summary: "The native media server's publish and play callback: 200 admits the session, 403 closes it",
    description:
      "Publishing needs the stream's current ingest key as the stream name; reading needs a playback token of that stream " +
      '(`?token=`) whose viewer session is open and whose ticket is valid (known within 5 s of a change), or the media ' +
      "server's own relay signature. A successful publish marks the stream live. Play callbacks are answered on a fast " +
      'path ahead of the rest of the API stack.',
    tags,
    body: MediaServerCallback,
    responses: {
      200: { description: 'Allowed', schema: z.object({ ok: z.literal(true) }) },
      403: { description: 'Refused', contentType: 'application/problem+json', schema: ProblemSchema },
    },
    handler: async (ctx: Koa.Context) => {
      const parsed = MediaServerCallback.safeParse(ctx.request.body);
      if (!parsed.success) throw refused('invalid_callback', 'Not a media server callback');
      const { action, name, query = {} } = parsed.data;
      if (isPlayAction(action)) {
        if (!(await gate.mayRead(name, query))) throw playbackRefused();
      } else if (action === 'prePublish' || action === 'postPublish') {
        const found = await withTenant(deps.db, parseIngestKey(name)?.tenantId ?? '', async (tx) => {
          const named = parseIngestKey(name);
          const s = named && (await getStream(tx, named.streamId, { lock: action === 'postPublish' }));
          if (!s?.ingest_key || !sameString(s.ingest_key, name) || s.status === 'ended') return false;
          if (action === 'postPublish') await moveStream(tx, s, 'live', 'media_server');
          return true;
        });
        if (!found) throw refused('invalid_ingest_key', 'Unknown ingest key, or the stream has ended');
      }
      ctx.body = { ok: true };
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/api/streaming/streams/{id}/hls/{file}',
    summary: "A native stream's HLS playlist or segment, for the holder of a valid playback token",
    description:
      'The playlist lists its segments with the same token, so a player only needs the URL the playback endpoint gave. ' +
      'Without a token, with an expired one or with one for another stream: 403.',
    tags,
    params: HlsParams,
    query: HlsQuery,
    responses: {
      200: { description: 'Playlist or segment', contentType: 'application/vnd.apple.mpegurl', schema: z.string() },
      403: { description: 'No valid token', contentType: 'application/problem+json', schema: ProblemSchema },
      404: { description: 'Not (yet) there', contentType: 'application/problem+json', schema: ProblemSchema },
    },
    handler: async (ctx: Koa.Context) => {
      const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
      const check = verifyPlaybackToken(secret, token, Math.floor(Date.now() / 1000));
      if (!check.ok)
        throw check.reason === 'expired'
          ? refused('playback_token_expired', 'The playback token has expired: refresh it')
          : refused('invalid_playback_token', 'A valid playback token is required');
      const { claims } = check;
      if (String(claims.streamId) !== ctx.params.id)
        throw refused('invalid_playback_token', 'The playback token is for another stream');
      const file = String(ctx.params.file);
      if (!HLS_FILE.test(file)) throw notFound('File');
      const stream = await withTenant(deps.db, claims.tenantId, (tx) => getStream(tx, claims.streamId));
      if (!stream?.ingest_key) throw notFound('Stream');
      const full = path.join(hlsRoot, hlsFolderName(stream.ingest_key), file);
      const info = await stat(full).catch(() => undefined);
      if (!info?.isFile()) throw notFound('File');
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Access-Control-Allow-Origin', '*');
      if (file.endsWith('.m3u8')) {
        const suffix = `?token=${encodeURIComponent(token)}`;
        const text = await readFile(full, 'utf8');
        ctx.type = 'application/vnd.apple.mpegurl';
        ctx.body = text
          .split('\n')
          .map((line) => (line && !line.startsWith('#') ? line + suffix : line))
          .join('\n');
      } else {
        ctx.type = 'video/mp2t';
        ctx.length = info.size;
        ctx.body = createReadStream(full);
      }
    },
  });
}
