import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import type { GroupRow } from '../../db/groups/groups';
import { messageGroup, sendInvitations } from '../../db/groups/roster-mail';
import { reassignSeat, rosterLines, setRosterOptions, type RosterGroupRow } from '../../db/groups/roster';
import { toCsv } from '../../domain/analytics/csv';
import { invitationUrls, leaderLink } from '../../domain/groups/links';
import { detailStatusOf } from '../../domain/groups/roster';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import {
  GroupMessage,
  InviteMembers,
  LeaderLink,
  MemberParams,
  MessageSent,
  Reassign,
  Reminded,
  Roster,
  RosterOptions,
  RosterQuery,
  SentInvitations,
} from './roster-schemas';
import { loadOwnGroup } from './view';

function paymentStatus(m: { status: string; paid_at: Date | null; covered_by_leader: boolean }) {
  if (m.status === 'released') return 'released' as const;
  if (m.paid_at) return 'paid' as const;
  return m.covered_by_leader ? ('covered_by_leader' as const) : ('owed' as const);
}

/** The roster as the leader and the tenant see it: each seat's person, details, payment and live ticket code. */
export async function rosterBody(tx: Tx, group: GroupRow): Promise<z.infer<typeof Roster>> {
  const g = group as RosterGroupRow;
  const lines = await rosterLines(tx, group.id);
  return {
    group_id: Number(g.id),
    name: g.name,
    status: g.status,
    currency: g.currency?.trim() ?? null,
    payment_deadline_at: isoOrNull(g.payment_deadline_at),
    reassign_cutoff_at: isoOrNull(g.reassign_cutoff_at),
    owed_minor: lines
      .filter((m) => m.status !== 'released' && !m.paid_at)
      .reduce((s, m) => s + (m.price_minor ?? 0), 0),
    questions: (g.questions ?? []).map((q) => ({ id: q.id, label: q.label, type: q.type, required: q.required })),
    members: lines.map((m) => ({
      member_id: Number(m.id),
      name: m.name,
      email: m.email,
      ticket_type: m.ticket_type_name,
      detail_status: detailStatusOf(m.status),
      payment_status: paymentStatus(m),
      price_minor: m.price_minor,
      ticket_code: m.ticket_status === 'valid' ? m.ticket_code : null,
      answers: ((m.details ?? {}) as { answers?: Record<string, unknown> }).answers ?? {},
    })),
  };
}

/** The roster as CSV: one row per seat, each question's answer in a column of its own. */
export function rosterCsv(roster: z.infer<typeof Roster>): string {
  const rows = roster.members.map(({ answers, ...m }) => ({
    ...m,
    ...Object.fromEntries(roster.questions.map((q) => [`answer_${q.id}`, answers[q.id] ?? null])),
  }));
  const columns = [
    'member_id',
    'name',
    'email',
    'ticket_type',
    'detail_status',
    'payment_status',
    'price_minor',
    'ticket_code',
    ...roster.questions.map((q) => `answer_${q.id}`),
  ];
  return toCsv(rows, columns);
}

/** Roster management for the leader (customer token) and the tenant: invitations, reassignment, export, reminders. */
export function rosterRoutes(deps: RouterDeps): void {
  const tags = ['groups'];
  const module = 'groups' as const;
  const linkFor = (tenantId: string) => invitationUrls(deps.config.TOKEN_SECRET, deps.config.publicApiUrl, tenantId);

  defineRoute(deps, {
    method: 'put',
    path: '/api/groups/groups/{id}/roster-options',
    summary: "Set the group's attendee questions and the cut-off for reassigning seats",
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: RosterOptions,
    responses: { 200: { description: 'The roster with its options', schema: Roster } },
    handler: async ({ tx, auth, params, body }) => {
      const group = await loadOwnGroup(tx, auth, params.id, true);
      const updated = await setRosterOptions(tx, group.id, {
        questions: body.questions,
        reassignCutoffAt: body.reassign_cutoff_at ? new Date(body.reassign_cutoff_at) : null,
      });
      return { body: await rosterBody(tx, updated) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/groups/groups/{id}/roster',
    summary: 'The roster export: each seat with its person, detail status, payment status, ticket code and answers',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    query: RosterQuery,
    responses: { 200: { description: 'The roster (JSON, or CSV with ?format=csv)', schema: Roster, csv: true } },
    handler: async ({ tx, auth, params, query }) => {
      const roster = await rosterBody(tx, await loadOwnGroup(tx, auth, params.id));
      if (query.format !== 'csv') return { body: roster };
      return {
        body: rosterCsv(roster),
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="group-${roster.group_id}-roster.csv"`,
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/invitations',
    summary: 'E-mail members their signed invitation (again): the given members, or all who have not given details',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: InviteMembers,
    idempotent: true,
    responses: { 200: { description: 'The invitations sent', schema: SentInvitations } },
    handler: async ({ tx, auth, params, body }) => {
      const group = await loadOwnGroup(tx, auth, params.id, true);
      const items = await sendInvitations(tx, auth.tenantId, group, {
        kind: 'invitation',
        memberIds: body.member_ids,
        linkFor: linkFor(auth.tenantId),
      });
      return { body: { items } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/members/{member_id}/reassign',
    summary:
      'Give a seat to another person before the cut-off (409 reassign_cutoff_passed after it): the old ticket code and link stop working, the new person is invited',
    tags,
    access: { scope: 'write', customer: true, module },
    params: MemberParams,
    body: Reassign,
    idempotent: true,
    responses: { 200: { description: 'The roster after the change', schema: Roster } },
    handler: async ({ tx, auth, params, body }) => {
      const group = (await loadOwnGroup(tx, auth, params.id, true)) as RosterGroupRow;
      await reassignSeat(tx, auth.tenantId, group, params.member_id, body);
      await sendInvitations(tx, auth.tenantId, group, {
        kind: 'invitation',
        memberIds: [params.member_id],
        linkFor: linkFor(auth.tenantId),
      });
      return { body: await rosterBody(tx, group) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/reminders',
    summary: 'E-mail a reminder to every member who has not completed their attendee details',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    idempotent: true,
    responses: { 200: { description: 'How many members were reminded', schema: Reminded } },
    handler: async ({ tx, auth, params }) => {
      const group = await loadOwnGroup(tx, auth, params.id, true);
      const sent = await sendInvitations(tx, auth.tenantId, group, {
        kind: 'reminder',
        round: `manual-${randomUUID()}`,
        linkFor: linkFor(auth.tenantId),
      });
      return { body: { reminded: sent.length } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/messages',
    summary: 'E-mail a message to every member of the group (through the outbox)',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: GroupMessage,
    idempotent: true,
    responses: { 202: { description: 'Queued for each member', schema: MessageSent } },
    handler: async ({ tx, auth, params, body }) => {
      const group = await loadOwnGroup(tx, auth, params.id);
      const sent = await messageGroup(tx, auth.tenantId, group, { ...body, key: randomUUID() });
      return { status: 202, body: { sent } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/leader-link',
    summary: "The signed link of the group's leader dashboard page (roster, who owes, resend invitations, message)",
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'The link', schema: LeaderLink } },
    handler: async ({ tx, auth, params }) => {
      const group = await loadOwnGroup(tx, auth, params.id);
      return { body: leaderLink(deps.config.TOKEN_SECRET, deps.config.publicApiUrl, auth.tenantId, group.id) };
    },
  });
}
