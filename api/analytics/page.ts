import fs from 'node:fs';
import { z } from 'zod';
import { isDashboardToken, signDashboardToken } from '../../lib/dashboard-token';
import { AppError } from '../../lib/errors';
import { bearer } from '../auth';
import type { RouterDeps } from '../deps';
import { defineRoute, definePublicRoute } from '../route';
import { analyticsPageHtml } from './page-html';

const CreateDashboardToken = z.strictObject({
  ttl_seconds: z
    .number()
    .int()
    .min(60)
    .max(43_200)
    .default(3600)
    .meta({ description: 'How long the token works (default an hour, at most 12 hours)' }),
});

const DashboardToken = z
  .object({
    token: z.string(),
    expires_at: z.string(),
    url: z
      .string()
      .meta({ description: 'The page with the token in its fragment (never sent to the server by the browser)' }),
  })
  .meta({ id: 'AnalyticsDashboardToken' });

/**
 * The charting library, served by the API from node_modules (as the check-in dashboard's realtime
 * server does): the page works offline and behind a strict network, with nothing from a CDN.
 */
const ASSETS = {
  'uPlot.iife.min.js': { file: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
} as const;

/** The page, its two library files (read once, when the routes are registered) and its tokens. */
export function pageRoutes(deps: RouterDeps): void {
  const tags = ['analytics'];
  defineRoute(deps, {
    method: 'post',
    path: '/api/analytics/dashboard-tokens',
    summary:
      'Mint a short-lived read-only token for the /analytics page, so a browser never holds the API key (it keeps working until it expires)',
    tags,
    access: { scope: 'read', module: 'analytics' },
    body: CreateDashboardToken,
    idempotent: true,
    responses: { 201: { description: 'The token and the page URL carrying it', schema: DashboardToken } },
    handler: async ({ auth, body, ctx }) => {
      // A token may not mint its successor: only an API key can keep a dashboard open past its expiry.
      if (auth.kind !== 'key' || isDashboardToken(bearer(ctx)))
        throw new AppError(403, 'forbidden', 'Only an API key can mint a dashboard token');
      const { token, expiresAt } = await signDashboardToken(
        deps.tokenSecret,
        { tenantId: auth.tenantId, keyId: auth.keyId },
        body.ttl_seconds,
      );
      return {
        status: 201,
        body: { token, expires_at: expiresAt.toISOString(), url: `/analytics#token=${encodeURIComponent(token)}` },
      };
    },
  });
  definePublicRoute(deps, {
    method: 'get',
    path: '/analytics',
    summary: "The organisers' analytics page (open as /analytics#token=<dashboard token> or #key=<read API key>)",
    description:
      'Overview, sales over time, funnel, cohorts, heat map and forecast with its interval band, filterable by event, date range and sales channel, with CSV export of every table. The page calls the analytics API with the key from its URL fragment.',
    tags,
    responses: { 200: { description: 'The page', contentType: 'text/html', schema: z.string() } },
    handler: async (ctx) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('cache-control', 'no-store');
      ctx.body = analyticsPageHtml;
    },
  });
  for (const [name, asset] of Object.entries(ASSETS)) {
    const body = fs.readFileSync(require.resolve(asset.file));
    definePublicRoute(deps, {
      method: 'get',
      path: `/analytics/assets/${name}`,
      summary: `The page's charting library (uPlot ${name.endsWith('.js') ? 'script' : 'stylesheet'})`,
      tags,
      responses: { 200: { description: 'The file', contentType: asset.type.split(';')[0], schema: z.string() } },
      handler: async (ctx) => {
        ctx.type = asset.type;
        ctx.set('cache-control', 'public, max-age=3600');
        ctx.body = body;
      },
    });
  }
}
