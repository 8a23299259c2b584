import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import { z } from 'zod';
import { withTenant, type Tx } from '../../db/connection';
import { getGroup, type GroupRow } from '../../db/groups/groups';
import { messageGroup, sendInvitations } from '../../db/groups/roster-mail';
import { isModuleEnabled } from '../../db/platform/modules';
import { formatMailDate, formatMoney } from '../../domain/season/renewal-mail';
import { invitationUrls, leaderLinks } from '../../domain/groups/links';
import { AppError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { definePublicRoute, fieldErrors } from '../route';
import { escapeHtml } from '../surveys/responses-page-html';
import { rosterBody } from './roster';
import { GroupMessage, InviteMembers, MessageSent, type Roster, SentInvitations, TokenParams } from './roster-schemas';

const unknownLink = (): AppError => new AppError(404, 'not_found', 'No such group link');

// Resend buttons and the message form post to the page's JSON calls under the same token.
const SCRIPT = `
const token = document.body.dataset.token;
const status = document.getElementById('status');
async function post(path, body) {
  const res = await fetch('/api/groups/leader/' + token + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.detail || json.title || 'Something went wrong');
  return json;
}
const report = (p, done) => p.then(done, (e) => { status.textContent = e.message; });
document.querySelectorAll('button[data-resend]').forEach((b) => b.addEventListener('click', () =>
  report(post('/invitations', { member_ids: [Number(b.dataset.resend)] }), (r) => { status.textContent = 'Invitation sent to ' + r.items.map((i) => i.email).join(', '); })));
document.getElementById('resend-all').addEventListener('click', () =>
  report(post('/invitations', {}), (r) => { status.textContent = 'Invitations sent: ' + r.items.length; }));
document.getElementById('message').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = ev.target;
  report(post('/messages', { subject: f.elements.subject.value, body: f.elements.body.value }), (r) => {
    status.textContent = 'Message sent to ' + r.sent + ' members'; f.reset();
  });
});
`;

const LABELS: Record<string, string> = {
  not_invited: 'Not invited',
  invited: 'Invited',
  accepted: 'Accepted, details missing',
  completed: 'Details complete',
  released: 'Released',
  paid: 'Paid',
  owed: 'Owes',
  covered_by_leader: 'You pay',
};

export function leaderPageHtml(roster: z.infer<typeof Roster>, token: string): string {
  const money = (minor: number | null) => (minor === null ? '' : formatMoney(minor, roster.currency ?? 'EUR'));
  const rows = roster.members
    .map((m) => {
      const resend = ['not_invited', 'invited', 'accepted'].includes(m.detail_status) && m.email;
      return (
        `<tr data-member="${m.member_id}"><td>${escapeHtml(m.name ?? '')}</td><td>${escapeHtml(m.email ?? '')}</td>` +
        `<td>${escapeHtml(m.ticket_type)}</td><td class="details">${LABELS[m.detail_status]}</td>` +
        `<td class="payment">${LABELS[m.payment_status]}</td><td>${money(m.price_minor)}</td>` +
        `<td>${resend ? `<button data-resend="${m.member_id}">Resend invitation</button>` : ''}</td></tr>`
      );
    })
    .join('');
  const owing = roster.members.filter((m) => m.payment_status === 'owed' || m.payment_status === 'covered_by_leader');
  const deadline = roster.payment_deadline_at ? formatMailDate(roster.payment_deadline_at) : 'not set yet';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(roster.name)}</title><style>` +
    `body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}` +
    `td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}textarea,input{width:100%}</style></head>` +
    `<body data-token="${escapeHtml(token)}"><h1>${escapeHtml(roster.name)}</h1>` +
    `<p id="deadline">Payment deadline: ${escapeHtml(deadline)}</p>` +
    `<p id="owing">Still owed: ${money(roster.owed_minor)} by ${owing.length} seat(s)` +
    `${owing.length ? `: ${owing.map((m) => escapeHtml(m.name ?? m.email ?? `seat ${m.member_id}`)).join(', ')}` : ''}</p>` +
    `<table id="roster"><thead><tr><th>Name</th><th>E-mail</th><th>Ticket</th><th>Details</th><th>Payment</th>` +
    `<th>Price</th><th></th></tr></thead><tbody>${rows}</tbody></table>` +
    `<p><button id="resend-all">Resend all open invitations</button></p>` +
    `<h2>Message the group</h2><form id="message"><label>Subject <input name="subject" maxlength="150" required></label>` +
    `<label>Message <textarea name="body" rows="5" maxlength="5000" required></textarea></label>` +
    `<button type="submit">Send to all members</button></form><p id="status" role="status"></p>` +
    `<script>${SCRIPT}</script></body></html>`
  );
}

/**
 * The leader dashboard (`/g/leader/<token>`, a signed link minted with `POST /api/groups/groups/{id}/leader-link`):
 * the roster with payment and detail status, who owes, the deadline; resend invitations and message the group.
 * A forged token, another tenant's group or a tenant without the groups module is a 404.
 */
export function leaderPageRoutes(deps: RouterDeps): void {
  const tags = ['groups'];
  const links = leaderLinks(deps.config.TOKEN_SECRET);
  const tokenOf = (ctx: Koa.Context): string => String((ctx.params as { token?: string }).token ?? '');
  const notFound = { description: 'Unknown or forged link' };

  async function withGroup<T>(ctx: Koa.Context, fn: (tx: Tx, tenantId: string, group: GroupRow) => Promise<T>) {
    const claims = links.verify(tokenOf(ctx));
    if (!claims) throw unknownLink();
    const result = await withTenant(deps.db, claims.tenantId, async (tx) => {
      if (!(await isModuleEnabled(tx, 'groups'))) throw unknownLink();
      const group = await getGroup(tx, claims.recipientId, { lock: true });
      if (!group) throw unknownLink();
      return fn(tx, claims.tenantId, group);
    });
    ctx.set('Cache-Control', 'no-store, private');
    return result;
  }

  function bodyOf<S extends z.ZodType>(ctx: Koa.Context, schema: S): z.output<S> {
    const parsed = schema.safeParse((ctx.request as { body?: unknown }).body ?? {});
    if (!parsed.success)
      throw new AppError(400, 'validation_failed', 'Invalid input', { errors: fieldErrors('body', parsed.error) });
    return parsed.data;
  }

  definePublicRoute(deps, {
    method: 'get',
    path: '/g/leader/{token}',
    tags,
    summary: "The group leader's dashboard page: roster with payment and detail status, who owes, the deadline",
    params: TokenParams,
    responses: { 200: { description: 'The page', contentType: 'text/html', schema: z.string() }, 404: notFound },
    handler: async (ctx) => {
      const html = await withGroup(ctx, async (tx, _t, group) =>
        leaderPageHtml(await rosterBody(tx, group), tokenOf(ctx)),
      );
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = html;
    },
  });

  definePublicRoute(deps, {
    method: 'post',
    path: '/api/groups/leader/{token}/invitations',
    tags,
    summary: "The dashboard's resend: e-mail the given members (or all still awaiting details) their invitation again",
    params: TokenParams,
    body: InviteMembers,
    responses: {
      200: { description: 'The invitations sent', schema: SentInvitations },
      400: { description: 'Invalid input', contentType: 'application/problem+json' },
      404: notFound,
    },
    handler: async (ctx) => {
      const body = bodyOf(ctx, InviteMembers);
      ctx.body = {
        items: await withGroup(ctx, (tx, tenantId, group) =>
          sendInvitations(tx, tenantId, group, {
            kind: 'invitation',
            memberIds: body.member_ids,
            linkFor: invitationUrls(deps.config.TOKEN_SECRET, deps.config.publicApiUrl, tenantId),
          }),
        ),
      };
    },
  });

  definePublicRoute(deps, {
    method: 'post',
    path: '/api/groups/leader/{token}/messages',
    tags,
    summary: "The dashboard's message to the group: e-mailed to every member through the outbox",
    params: TokenParams,
    body: GroupMessage,
    responses: {
      202: { description: 'Queued for each member', schema: MessageSent },
      400: { description: 'Invalid input', contentType: 'application/problem+json' },
      404: notFound,
    },
    handler: async (ctx) => {
      const body = bodyOf(ctx, GroupMessage);
      const sent = await withGroup(ctx, (tx, tenantId, group) =>
        messageGroup(tx, tenantId, group, { ...body, key: randomUUID() }),
      );
      ctx.status = 202;
      ctx.body = { sent };
    },
  });
}
