import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { withTenant } from '../../db/connection';
import {
  createSiteToken,
  listSiteTokens,
  revokeSiteToken,
  siteTokenLive,
  type SiteTokenRow,
} from '../../db/analytics/site-tokens';
import { ingestTracking, type TrackingRow } from '../../db/analytics/tracking';
import { getModule } from '../../db/platform/modules';
import { signSiteToken, verifySiteToken } from '../../domain/analytics/site-tokens';
import { channelOf, occurredInRange } from '../../domain/analytics/tracking';
import { AppError, notFound } from '../../lib/errors';
import type { FieldError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, definePublicRoute, fieldErrors } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import {
  BeaconQuery,
  CreateSiteToken,
  SiteToken,
  TrackBody,
  TrackItem,
  TrackResult,
  type TrackItem as TrackItemValue,
} from './tracking-schemas';

// The smallest transparent GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

type ItemResult = z.infer<typeof TrackResult>['results'][number];

function toRow(item: TrackItemValue): TrackingRow {
  return {
    client_event_id: item.client_event_id,
    type: item.type,
    anonymous_id: item.anonymous_id ?? null,
    customer_id: item.customer_id ?? null,
    event_id: item.event_id ?? null,
    ticket_type_id: item.ticket_type_id ?? null,
    channel: channelOf(item),
    utm_source: item.utm_source ?? null,
    utm_medium: item.utm_medium ?? null,
    utm_campaign: item.utm_campaign ?? null,
    referrer: item.referrer ?? null,
    country: item.country ?? null,
    price_minor: item.price_minor ?? null,
    occurred_at: new Date(item.occurred_at).toISOString(),
  };
}

const keyOf = (clientEventId: string, at: string | Date): string => `${clientEventId}@${new Date(at).getTime()}`;

/**
 * Checks each item on its own and stores the good ones in one statement; answers each item's fate in
 * order. An item repeated inside the batch is accepted once and a duplicate after that.
 */
export async function trackBatch(
  tx: Parameters<typeof ingestTracking>[0],
  tenantId: string,
  items: readonly unknown[],
  now = new Date(),
): Promise<z.infer<typeof TrackResult>> {
  const results: ItemResult[] = [];
  const rows: { index: number; row: TrackingRow }[] = [];
  items.forEach((raw, index) => {
    const parsed = TrackItem.safeParse(raw);
    if (!parsed.success) {
      results[index] = { index, status: 'rejected', errors: fieldErrors(`items.${index}`, parsed.error) };
      return;
    }
    if (!occurredInRange(new Date(parsed.data.occurred_at), now)) {
      const errors: FieldError[] = [
        {
          path: `items.${index}.occurred_at`,
          message: 'must not be in the future nor older than the longest retention',
          code: 'out_of_range',
        },
      ];
      results[index] = { index, status: 'rejected', errors };
      return;
    }
    rows.push({ index, row: toRow(parsed.data) });
  });
  const inserted = await ingestTracking(
    tx,
    tenantId,
    rows.map((r) => r.row),
  );
  const fresh = new Set(inserted.map((r) => keyOf(r.client_event_id, r.occurred_at)));
  for (const { index, row } of rows) {
    const key = keyOf(row.client_event_id, row.occurred_at);
    results[index] = { index, status: fresh.delete(key) ? 'accepted' : 'duplicate' };
  }
  const count = (s: ItemResult['status']) => results.filter((r) => r.status === s).length;
  return { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), results };
}

const tokenView = (row: SiteTokenRow, token?: string): z.infer<typeof SiteToken> => ({
  id: row.id,
  name: row.name,
  ...(token ? { token } : {}),
  created_at: new Date(row.created_at).toISOString(),
  revoked_at: isoOrNull(row.revoked_at),
});

/** Storefront tracking in: the batch API, the first-party pixel and the pixel's publishable tokens. */
export function trackingRoutes(deps: RouterDeps): void {
  const tags = ['analytics'];
  const module = 'analytics' as const;
  const secret = deps.config.TOKEN_SECRET;

  defineRoute(deps, {
    method: 'post',
    path: '/api/analytics/track',
    summary:
      'Record storefront tracking events in batches of up to 1,000 (page_view, event_view, add_to_cart, checkout_started); each item is answered accepted, duplicate or rejected',
    tags,
    access: { scope: 'write', module },
    body: TrackBody,
    responses: {
      200: {
        description:
          'Per-item results (items are AnalyticsTrackItem: client_event_id, occurred_at, type, anonymous_id or customer_id, event_id, ticket_type_id, channel, utm_*, referrer, country, price_minor). A retry must repeat client_event_id and occurred_at unchanged to be a duplicate.',
        schema: TrackResult,
      },
    },
    handler: async ({ tx, auth, body }) => ({ body: await trackBatch(tx, auth.tenantId, body.items) }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/analytics/site-tokens',
    summary: 'Create a publishable site token for the tracking pixel: it can record tracking events and nothing else',
    tags,
    access: { scope: 'admin', module },
    idempotent: true,
    body: CreateSiteToken,
    responses: { 201: { description: 'The token, shown once', schema: SiteToken } },
    handler: async ({ tx, auth, body }) => {
      const row = await createSiteToken(tx, auth.tenantId, body.name);
      return { status: 201, body: tokenView(row, signSiteToken(secret, { tenantId: auth.tenantId, tokenId: row.id })) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/analytics/site-tokens',
    summary: "The tenant's site tokens (without the tokens themselves)",
    tags,
    access: { scope: 'admin', module },
    responses: { 200: { description: 'Site tokens', schema: z.object({ items: z.array(SiteToken) }) } },
    handler: async ({ tx }) => ({ body: { items: (await listSiteTokens(tx)).map((r) => tokenView(r)) } }),
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/analytics/site-tokens/{id}',
    summary: 'Revoke a site token: the pixel refuses it from now on',
    tags,
    access: { scope: 'admin', module },
    params: IdParams,
    responses: { 200: { description: 'Revoked', schema: SiteToken } },
    handler: async ({ tx, params }) => {
      const row = await revokeSiteToken(tx, params.id);
      if (!row) throw notFound('Site token');
      return { body: tokenView(row) };
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/a/p.gif',
    tags,
    summary: 'First-party tracking pixel: records one tracking event for the site token `k` and answers a 1x1 GIF',
    description:
      'Embed as `<img src="https://<usher>/a/p.gif?k=<site token>&t=page_view&a=<anonymous id>&e=<event id>&ch=email">`. The site token is publishable and write-only (`POST /api/analytics/site-tokens`). The pixel takes no customer id (anyone can read the token from the page); the time is the server\'s. Without `id` each request is a new event.',
    query: BeaconQuery,
    responses: {
      200: { description: 'A 1x1 transparent GIF', contentType: 'image/gif', schema: z.string() },
      400: { description: 'Malformed parameters', contentType: 'application/problem+json' },
      401: { description: 'Unknown, forged or revoked site token', contentType: 'application/problem+json' },
      403: { description: 'The analytics module is off for the tenant', contentType: 'application/problem+json' },
    },
    handler: async (ctx) => {
      const parsed = BeaconQuery.safeParse(ctx.query);
      if (!parsed.success)
        throw new AppError(400, 'validation_failed', 'Invalid pixel parameters', {
          errors: fieldErrors('query', parsed.error),
        });
      const q = parsed.data;
      const claims = verifySiteToken(secret, q.k);
      const invalid = () => new AppError(401, 'invalid_site_token', 'Unknown or revoked site token');
      if (!claims) throw invalid();
      await withTenant(deps.db, claims.tenantId, async (tx) => {
        if (!(await siteTokenLive(tx, claims.tokenId))) throw invalid();
        if (!(await getModule(tx, module))?.enabled)
          throw new AppError(403, 'module_not_enabled', 'The analytics module is not enabled');
        const referrer = q.r ?? (ctx.get('referer').slice(0, 2000) || undefined);
        const item = {
          client_event_id: q.id ?? randomUUID(),
          occurred_at: new Date().toISOString(),
          type: q.t,
          anonymous_id: q.a,
          event_id: q.e,
          ticket_type_id: q.tt,
          channel: q.ch,
          utm_source: q.us,
          utm_medium: q.um,
          utm_campaign: q.uc,
          referrer,
          country: q.c,
          price_minor: q.p,
        };
        const result = await trackBatch(tx, claims.tenantId, [item]);
        if (result.rejected)
          throw new AppError(400, 'validation_failed', 'Invalid pixel parameters', {
            errors: result.results[0].errors,
          });
      });
      ctx.set('Cache-Control', 'no-store, private');
      ctx.type = 'image/gif';
      ctx.body = PIXEL;
    },
  });
}
