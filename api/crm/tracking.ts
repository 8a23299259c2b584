import type Koa from 'koa';
import { z } from 'zod';
import { withTenant, type Tx } from '../../db/connection';
import { getMessage, type CrmMessageRow } from '../../db/crm/messages';
import { recordClick, recordOpen, unsubscribeRecipient } from '../../db/crm/tracking';
import { isMachineOpen, verifyTrackingToken, type TrackingKind } from '../../domain/crm/tracking-tokens';
import { AppError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { definePublicRoute } from '../route';
import { TokenParams } from './campaign-schemas';

// The smallest transparent GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const unknownLink = (): AppError => new AppError(404, 'not_found', 'No such link');

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
  `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>` +
  `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">${body}</body></html>`;

/**
 * The links in marketing e-mail: open pixel, click redirect, unsubscribe page and RFC 8058
 * one-click unsubscribe. No credentials: the signed token names the tenant and message, so a forged
 * or altered token (or one whose message is not in that tenant) is a 404.
 */
export function trackingRoutes(deps: RouterDeps): void {
  const tags = ['crm'];
  const secret = deps.config.TOKEN_SECRET;

  async function withMessage<T>(
    token: string,
    kind: TrackingKind,
    fn: (tx: Tx, message: CrmMessageRow, url?: string) => Promise<T>,
  ): Promise<T> {
    const claims = verifyTrackingToken(secret, token, kind);
    if (!claims) throw unknownLink();
    return withTenant(deps.db, claims.tenantId, async (tx) => {
      const message = await getMessage(tx, claims.messageId);
      if (!message) throw unknownLink();
      return fn(tx, message, claims.url);
    });
  }

  const tokenOf = (ctx: Koa.Context): string => String((ctx.params as { token?: string }).token ?? '');

  definePublicRoute(deps, {
    method: 'get',
    path: '/t/o/{token}',
    tags,
    summary: 'Open pixel of a marketing e-mail (`<token>.gif`): records the open, machine opens flagged',
    description:
      'Opens by privacy proxies (Apple Mail Privacy Protection), security scanners and within seconds of the send are recorded as machine opens, which A/B tests and reports keep apart.',
    params: TokenParams,
    responses: {
      200: { description: 'A 1x1 transparent GIF', contentType: 'image/gif', schema: z.string() },
      404: { description: 'Unknown or forged token' },
    },
    handler: async (ctx) => {
      const token = tokenOf(ctx).replace(/\.gif$/, '');
      await withMessage(token, 'o', async (tx, message) => {
        const machine = isMachineOpen({
          userAgent: ctx.get('user-agent'),
          ip: ctx.ip,
          sentAt: message.sent_at,
          at: new Date(),
        });
        await recordOpen(tx, message, machine);
      });
      ctx.set('Cache-Control', 'no-store, private');
      ctx.type = 'image/gif';
      ctx.body = PIXEL;
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/t/c/{token}',
    tags,
    summary: 'Click redirect of a marketing e-mail: records the click and redirects to the signed URL',
    params: TokenParams,
    responses: {
      302: { description: 'To the original link' },
      404: { description: 'Unknown or forged token' },
    },
    handler: async (ctx) => {
      const url = await withMessage(tokenOf(ctx), 'c', async (tx, message, target) => {
        if (!target) throw unknownLink();
        await recordClick(tx, message, target);
        return target;
      });
      ctx.set('Cache-Control', 'no-store, private');
      ctx.redirect(url);
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/t/u/{token}',
    tags,
    summary: 'Unsubscribe page of a marketing e-mail: asks to confirm (a GET never unsubscribes, for link scanners)',
    params: TokenParams,
    responses: {
      200: { description: 'An HTML confirmation page', contentType: 'text/html', schema: z.string() },
      404: { description: 'Unknown or forged token' },
    },
    handler: async (ctx) => {
      const token = tokenOf(ctx);
      const email = await withMessage(token, 'u', async (_tx, message) => message.to_address);
      ctx.set('Cache-Control', 'no-store, private');
      ctx.type = 'text/html';
      ctx.body = page(
        'Unsubscribe',
        `<h1>Unsubscribe</h1><p>Stop marketing e-mail to <strong>${escapeHtml(email)}</strong>?</p>` +
          `<form method="post" action="/t/u/${encodeURIComponent(token)}">` +
          `<input type="hidden" name="List-Unsubscribe" value="One-Click">` +
          `<button type="submit">Unsubscribe</button></form>`,
      );
    },
  });

  definePublicRoute(deps, {
    method: 'post',
    path: '/t/u/{token}',
    tags,
    summary:
      'Unsubscribe (RFC 8058 one-click `List-Unsubscribe=One-Click`, or the confirmation form): suppresses the address and withdraws consent',
    params: TokenParams,
    responses: {
      200: {
        description: 'Unsubscribed (also when already unsubscribed)',
        contentType: 'text/html',
        schema: z.string(),
      },
      404: { description: 'Unknown or forged token' },
    },
    handler: async (ctx) => {
      // Mail providers post `List-Unsubscribe=One-Click` form-encoded; whatever the body, the signed token decides.
      await withMessage(tokenOf(ctx), 'u', (tx, message) => unsubscribeRecipient(tx, message, 'list_unsubscribe'));
      ctx.set('Cache-Control', 'no-store, private');
      ctx.type = 'text/html';
      ctx.body = page('Unsubscribed', '<h1>Unsubscribed</h1><p>You will get no more marketing e-mail from us.</p>');
    },
  });
}
