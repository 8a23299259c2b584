import type Koa from 'koa';
import { z } from 'zod';
import type { Db } from '../../db/connection';
import { AppError } from '../../lib/errors';
import { PlaybackGate } from './playback-gate';

/** What node-media-server posts to its notify URL on each publish and play. */
export const MediaServerCallback = z.object({
  action: z.string().max(40),
  app: z.string().max(200).optional(),
  name: z.string().max(300),
  query: z.record(z.string(), z.unknown()).optional(),
});

export const NATIVE_CALLBACK_PATH = '/api/streaming/native/callback';
const MAX_BODY = 8 * 1024;
const PLAY_ACTIONS = new Set(['prePlay', 'postPlay']);

export const isPlayAction = (action: string): boolean => PLAY_ACTIONS.has(action);

export const playbackRefused = (): AppError =>
  new AppError(403, 'invalid_playback_token', 'No valid playback token for this stream');

function readBody(req: Koa.Request['req'], length: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      chunks.push(c);
    });
    req.once('end', () => (size === length ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error())));
    req.once('error', reject);
  });
}

/**
 * The media server asks about every play; those answers are the callback's hot path and are given here, right after
 * the error middleware: no timing, body parser, router lookup over every module's routes or route wrapper, only the
 * playback token checked in memory (PlaybackGate). Koa stays (not a separate node:http or uWS listener) so the media
 * server keeps one callback URL on the API and the route keeps its OpenAPI entry and sweeps. Anything else (publish,
 * a body that is not small plain JSON) passes on to the full stack and the documented route, with the body parsed
 * once when it was read here.
 */
export function nativeCallbackFastPath(services: { db: Db; config: { TOKEN_SECRET: string } }): Koa.Middleware {
  const gate = new PlaybackGate(services.db, services.config.TOKEN_SECRET);
  return async (ctx, next) => {
    if (ctx.path !== NATIVE_CALLBACK_PATH || ctx.method !== 'POST') return next();
    const length = Number(ctx.get('content-length'));
    if (ctx.get('content-type') !== 'application/json' || !(length > 0 && length <= MAX_BODY)) return next();
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(ctx.req, length));
    } catch {
      parsed = undefined;
    }
    // As strictly as the body parser: an object or an array, else the same 400.
    if (typeof parsed !== 'object' || parsed === null)
      throw Object.assign(new Error('invalid JSON'), { status: 400, type: 'entity.parse.failed' });
    const callback = MediaServerCallback.safeParse(parsed);
    if (!callback.success || !isPlayAction(callback.data.action)) {
      ctx.request.body = parsed;
      return next();
    }
    if (!(await gate.mayRead(callback.data.name, callback.data.query ?? {}))) throw playbackRefused();
    ctx.body = { ok: true };
  };
}
