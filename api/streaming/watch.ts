import fs from 'node:fs';
import { z } from 'zod';
import { isModuleEnabled } from '../../db/platform/modules';
import { getChatStream } from '../../db/streaming/chat';
import { streamAccessTicket } from '../../db/streaming/access';
import { listProducts } from '../../db/upsells/catalog-products';
import { shownInPlayer } from '../../domain/streaming/merchandise';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, definePublicRoute } from '../route';
import { StreamIdParams } from './chat-schemas';
import { watchPageHtml } from './watch-html';

const MerchandiseItem = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    price_minor: z.number().int(),
    currency: z.string(),
    image_url: z.string().nullable(),
  })
  .meta({ id: 'StreamMerchandiseItem' });

/** Products the player page shows at most: the event's virtual merchandise (domain/streaming/merchandise.ts). */
const MERCH_LIMIT = 12;

/** hls.js, served by the API from node_modules: the page fetches nothing from a CDN. */
const HLS_JS = 'hls.js/dist/hls.min.js';

/** The viewer page, its player library, and the merchandise it shows. */
export function watchRoutes(deps: RouterDeps): void {
  const tags = ['streaming'];
  const hlsJs = fs.readFileSync(require.resolve(HLS_JS));

  definePublicRoute(deps, {
    method: 'get',
    path: '/watch/{id}',
    summary: 'The stream viewer page: open as /watch/<stream id>#token=<customer token>',
    description:
      'hls.js player refreshing its playback token before expiry (playback stops at the first refused refresh: a refunded ticket or another device), ' +
      "the stream's chat on the realtime server (REALTIME_PUBLIC_URL) and the event's merchandise when the upsells module is on.",
    tags,
    params: z.object({ id: z.string() }),
    responses: { 200: { description: 'The page', contentType: 'text/html', schema: z.string() } },
    handler: async (ctx) => {
      const realtime = deps.config.REALTIME_PUBLIC_URL ?? `ws://${ctx.hostname}:${deps.config.REALTIME_PORT}`;
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('cache-control', 'no-store');
      ctx.body = watchPageHtml.replace("'__REALTIME__'", JSON.stringify(realtime.replace(/\/+$/, '')));
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/watch/assets/hls.min.js',
    summary: "The viewer page's player library (hls.js)",
    tags,
    responses: { 200: { description: 'The file', contentType: 'text/javascript', schema: z.string() } },
    handler: async (ctx) => {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.set('cache-control', 'public, max-age=3600');
      ctx.body = hlsJs;
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/streaming/streams/{id}/merchandise',
    summary: "The event's merchandise shown in the player page (empty unless the upsells module is on)",
    tags,
    access: { scope: 'read', customer: true, module: 'streaming' },
    params: StreamIdParams,
    responses: { 200: { description: 'Products', schema: z.object({ items: z.array(MerchandiseItem) }) } },
    handler: async ({ tx, auth, params }) => {
      const stream = await getChatStream(tx, params.id);
      if (!stream) throw notFound('Stream');
      if (
        auth.kind === 'customer' &&
        !(await streamAccessTicket(tx, {
          tenantId: auth.tenantId,
          streamId: params.id,
          customerId: auth.customerId,
          now: new Date(),
        }))
      )
        throw notFound('Stream');
      if (!(await isModuleEnabled(tx, 'upsells', stream.event_id))) return { body: { items: [] } };
      const products = await listProducts(tx, { eventId: stream.event_id, status: 'active', limit: 100 });
      const items = products
        .filter(shownInPlayer)
        .slice(0, MERCH_LIMIT)
        .map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          price_minor: p.price_minor,
          currency: p.currency,
          image_url: p.image_url,
        }));
      return { body: { items } };
    },
  });
}
