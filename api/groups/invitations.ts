import type Koa from 'koa';
import { z } from 'zod';
import { withTenant, type Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { getGroup } from '../../db/groups/groups';
import {
  acceptInvitation,
  completeDetails,
  getInvitation,
  getMember,
  type InvitationRow,
  type RosterGroupRow,
} from '../../db/groups/roster';
import { isModuleEnabled } from '../../db/platform/modules';
import { getTicket } from '../../db/tickets/tickets';
import { ensurePasses, passesOfTickets } from '../../db/wallet/passes';
import { invitationLinks } from '../../domain/groups/links';
import { checkAnswers } from '../../domain/groups/roster';
import { AppError } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { definePublicRoute, fieldErrors } from '../route';
import { escapeHtml } from '../surveys/responses-page-html';
import { InvitationView, MemberDetails, TokenParams } from './roster-schemas';

const unknownLink = (): AppError => new AppError(404, 'not_found', 'No such invitation');

interface Opened {
  tx: Tx;
  tenantId: string;
  invitation: InvitationRow;
  group: RosterGroupRow;
}

/** The member's view: the group, their details so far, the questions, and their ticket with its wallet passes. */
async function viewOf(baseUrl: string, { tx, tenantId, invitation, group }: Opened) {
  const member = await getMember(tx, invitation.member_id);
  const event = await getEvent(tx, group.event_id);
  if (!member || !event) throw unknownLink();
  const ticket = member.ticket_id ? await getTicket(tx, member.ticket_id) : undefined;
  let wallet = { apple_url: '', google_url: '' };
  if (ticket && ticket.status === 'valid') {
    // Group tickets are issued share by share, without an order's pass e-mail: the member's passes are made here.
    await ensurePasses(tx, tenantId, [ticket]);
    const base = baseUrl.replace(/\/$/, '');
    for (const p of await passesOfTickets(tx, [ticket.id]))
      wallet = {
        ...wallet,
        [`${p.platform}_url`]: `${base}/api/wallet/${p.platform === 'apple' ? 'apple/download' : 'google/save'}/${p.serial_number}?token=${p.auth_token}`,
      };
  }
  const body: z.infer<typeof InvitationView> = {
    group: { name: group.name, event_name: event.name, starts_at: event.starts_at.toISOString() },
    member: {
      name: member.name,
      email: member.email,
      status: member.status,
      answers: ((member.details ?? {}) as { answers?: Record<string, unknown> }).answers ?? {},
    },
    questions: (group.questions ?? []).map((q) => ({ id: q.id, label: q.label, type: q.type, required: q.required })),
    ticket: ticket && ticket.status === 'valid' ? { code: ticket.code, status: ticket.status, wallet } : null,
  };
  return body;
}

const SCRIPT = `
const data = JSON.parse(document.getElementById('invitation-data').textContent);
const api = '/api/groups/invitations/' + data.token;
const status = document.getElementById('status');
async function call(method, path, body) {
  const res = await fetch(api + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) { status.textContent = json.detail || json.title || 'Something went wrong'; throw json; }
  return json;
}
document.getElementById('accept').addEventListener('click', async () => { await call('POST', '/accept'); location.reload(); });
document.getElementById('details').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target; const answers = {};
  for (const q of data.view.questions) {
    const el = f.elements['q-' + q.id]; if (!el) continue;
    const v = q.type === 'boolean' ? el.checked : el.value;
    if (v !== '') answers[q.id] = v;
  }
  await call('POST', '/details', { name: f.elements.name.value, email: f.elements.email.value, answers });
  location.reload();
});
`;

function pageHtml(view: z.infer<typeof InvitationView>, token: string): string {
  const accepted = view.member.status === 'accepted' || view.member.status === 'completed';
  const val = (v: unknown) => escapeHtml(v === undefined || v === null ? '' : String(v));
  const questions = view.questions
    .map((q) => {
      const a = view.member.answers[q.id];
      const input =
        q.type === 'boolean'
          ? `<input type="checkbox" name="q-${val(q.id)}"${a === true ? ' checked' : ''}>`
          : `<input name="q-${val(q.id)}" value="${val(a)}"${q.required ? ' required' : ''}>`;
      return `<label>${escapeHtml(q.label)}${q.required ? ' *' : ''} ${input}</label>`;
    })
    .join('');
  const ticket = view.ticket
    ? `<section id="ticket"><h2>Your ticket</h2><p>Code: <code>${escapeHtml(view.ticket.code)}</code></p>` +
      `<p><a href="${val(view.ticket.wallet.apple_url)}">Add to Apple Wallet</a> · <a href="${val(view.ticket.wallet.google_url)}">Add to Google Wallet</a></p></section>`
    : '<p id="no-ticket">Your ticket appears here once your seat is paid.</p>';
  const json = JSON.stringify({ token, view }).replace(/</g, '\\u003c');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(view.group.name)}</title><style>` +
    `body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}` +
    `</style></head><body><h1>${escapeHtml(view.group.name)}: ${escapeHtml(view.group.event_name)}</h1>` +
    `<button id="accept"${accepted ? ' hidden' : ''}>Accept my seat</button>` +
    `<form id="details"${accepted ? '' : ' hidden'}><label>Name <input name="name" value="${val(view.member.name)}" required></label>` +
    `<label>E-mail <input name="email" type="email" value="${val(view.member.email)}" required></label>${questions}` +
    `<button type="submit">Save my details</button></form>${ticket}<p id="status" role="status"></p>` +
    `<script id="invitation-data" type="application/json">${json}</script><script>${SCRIPT}</script></body></html>`
  );
}

/**
 * A member's signed invitation link: their page (`/g/invitations/<token>`) and its JSON calls to accept and give
 * attendee details. A forged token, a revoked invitation (the seat was reassigned), another tenant's row or a tenant
 * without the groups module is a 404.
 */
export function invitationRoutes(deps: RouterDeps): void {
  const tags = ['groups'];
  const links = invitationLinks(deps.config.TOKEN_SECRET);
  const tokenOf = (ctx: Koa.Context): string => String((ctx.params as { token?: string }).token ?? '');
  const notFound = { description: 'Unknown, forged or revoked link' };

  async function withInvitation<T>(token: string, fn: (opened: Opened) => Promise<T>): Promise<T> {
    const claims = links.verify(token);
    if (!claims) throw unknownLink();
    return withTenant(deps.db, claims.tenantId, async (tx) => {
      if (!(await isModuleEnabled(tx, 'groups'))) throw unknownLink();
      const invitation = await getInvitation(tx, claims.recipientId, { lock: true });
      if (!invitation || invitation.status === 'revoked') throw unknownLink();
      const group = (await getGroup(tx, invitation.group_id, { lock: true })) as RosterGroupRow;
      return fn({ tx, tenantId: claims.tenantId, invitation, group });
    });
  }

  const answer = (ctx: Koa.Context, body: unknown) => {
    ctx.set('Cache-Control', 'no-store, private');
    ctx.body = body;
  };

  definePublicRoute(deps, {
    method: 'get',
    path: '/g/invitations/{token}',
    tags,
    summary:
      "A member's invitation page (signed link from the invitation e-mail): accept, give details, get the ticket",
    params: TokenParams,
    responses: { 200: { description: 'The page', contentType: 'text/html', schema: z.string() }, 404: notFound },
    handler: async (ctx) => {
      const view = await withInvitation(tokenOf(ctx), (o) => viewOf(deps.config.publicApiUrl, o));
      answer(ctx, pageHtml(view, tokenOf(ctx)));
      ctx.type = 'text/html; charset=utf-8';
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/api/groups/invitations/{token}',
    tags,
    summary: "The member's seat: the group, their details and questions, and their ticket with wallet pass links",
    params: TokenParams,
    responses: { 200: { description: 'The invitation', schema: InvitationView }, 404: notFound },
    handler: async (ctx) => answer(ctx, await withInvitation(tokenOf(ctx), (o) => viewOf(deps.config.publicApiUrl, o))),
  });

  definePublicRoute(deps, {
    method: 'post',
    path: '/api/groups/invitations/{token}/accept',
    tags,
    summary: 'Accept the invitation: the seat becomes the invited person’s. Emits `group.invitation_accepted`',
    params: TokenParams,
    responses: {
      200: { description: 'Accepted', schema: InvitationView },
      404: notFound,
      409: { description: 'The seat was released', contentType: 'application/problem+json' },
    },
    handler: async (ctx) =>
      answer(
        ctx,
        await withInvitation(tokenOf(ctx), async (o) => {
          await acceptInvitation(o.tx, o.tenantId, o.group, o.invitation);
          return viewOf(deps.config.publicApiUrl, o);
        }),
      ),
  });

  definePublicRoute(deps, {
    method: 'post',
    path: '/api/groups/invitations/{token}/details',
    tags,
    summary: "Give the member's attendee details (name, e-mail, the group's questions); the ticket is issued in them",
    description:
      'A bad answer is a 400 `validation_failed` naming `body.answers.<question id>`; before acceptance a 409 `invitation_not_accepted`. Emits `group.member_details_completed`.',
    params: TokenParams,
    body: MemberDetails,
    responses: {
      200: { description: 'Saved', schema: InvitationView },
      400: { description: 'Invalid details', contentType: 'application/problem+json' },
      404: notFound,
      409: { description: 'Not accepted yet, or the seat was released', contentType: 'application/problem+json' },
    },
    handler: async (ctx) => {
      const parsed = MemberDetails.safeParse((ctx.request as { body?: unknown }).body);
      if (!parsed.success)
        throw new AppError(400, 'validation_failed', 'Invalid input', { errors: fieldErrors('body', parsed.error) });
      const view = await withInvitation(tokenOf(ctx), async (o) => {
        const faults = checkAnswers(o.group.questions ?? [], parsed.data.answers);
        if (faults.length)
          throw new AppError(400, 'validation_failed', 'Invalid details', {
            errors: faults.map((f) => ({ path: `body.answers.${f.question}`, message: f.message, code: 'custom' })),
          });
        await completeDetails(o.tx, o.tenantId, o.group, o.invitation.member_id, parsed.data);
        return viewOf(deps.config.publicApiUrl, o);
      });
      answer(ctx, view);
    },
  });
}
