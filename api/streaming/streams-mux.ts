import type Koa from 'koa';
import { z } from 'zod';
import { withTenant } from '../../db/connection';
import { getStream, moveStream } from '../../db/streaming/streams';
import { muxClient, parseMuxPassthrough } from '../../integrations/streaming/mux';
import { AppError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { definePublicRoute } from '../route';
import { ProblemSchema } from '../schemas/common';

/** Mux's live stream events that move a stream: active is live; idle after being live is the broadcast's end. */
const MOVES: Record<string, 'live' | 'ended'> = {
  'video.live_stream.active': 'live',
  'video.live_stream.idle': 'ended',
};

/** Mux webhooks, signed with the deployment's webhook secret (`Mux-Signature`). */
export function muxRoutes(deps: RouterDeps): void {
  definePublicRoute(deps, {
    method: 'post',
    path: '/api/streaming/mux/webhooks',
    summary: "Mux's live stream webhooks: a stream goes live when Mux sees the broadcast, and ends when it goes idle",
    tags: ['streaming'],
    body: z.object({ type: z.string(), data: z.object({ id: z.string(), passthrough: z.string().optional() }) }),
    responses: {
      200: { description: 'Received', schema: z.object({ received: z.literal(true) }) },
      400: { description: 'Bad signature', contentType: 'application/problem+json', schema: ProblemSchema },
    },
    handler: async (ctx: Koa.Context) => {
      const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
      const mux = muxClient(deps.config);
      const headers = Object.fromEntries(Object.entries(ctx.headers).map(([k, v]) => [k, String(v)]));
      const event = await mux.webhooks.unwrap(raw, headers).catch((err: unknown) => {
        throw new AppError(400, 'invalid_signature', `Not a Mux webhook: ${(err as Error).message}`);
      });
      const to = MOVES[event.type];
      const data = event.data as { id?: string; passthrough?: string };
      const named = parseMuxPassthrough(data.passthrough);
      if (to && named) {
        await withTenant(deps.db, named.tenantId, async (tx) => {
          const s = await getStream(tx, named.streamId, { lock: true });
          // Idle also precedes the first broadcast: only a live stream ends.
          if (!s || s.mux_live_stream_id !== data.id || s.status === 'ended' || (to === 'ended' && s.status !== 'live'))
            return;
          await moveStream(tx, s, to, 'mux');
        });
      }
      ctx.body = { received: true };
    },
  });
}
