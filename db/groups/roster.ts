import type { Tx } from '../connection';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import { reassignCutoff, type RosterQuestion } from '../../domain/groups/roster';
import { upsertCustomer } from '../customers/customers';
import { getEvent } from '../events/events';
import { emit } from '../platform/outbox';
import { getTicket, insertTickets } from '../tickets/tickets';
import { ensurePasses } from '../wallet/passes';
import { listMembers, type GroupMemberRow, type GroupRow } from './groups';

/** A group with the roster's columns (migration 0035). */
export type RosterGroupRow = GroupRow & { questions: RosterQuestion[]; reassign_cutoff_at: Date | null };

export interface InvitationRow {
  id: number;
  tenant_id: string;
  group_id: number;
  member_id: number;
  email: string;
  status: 'sent' | 'accepted' | 'revoked';
  sends: number;
  last_sent_at: Date | null;
  accepted_at: Date | null;
  created_at: Date;
}

export interface RosterLine extends GroupMemberRow {
  ticket_type_name: string;
  ticket_code: string | null;
  ticket_status: string | null;
}

const ref = (g: GroupRow) => ({ group_id: Number(g.id), event_id: Number(g.event_id) });

export async function setRosterOptions(
  tx: Tx,
  groupId: number,
  input: { questions: RosterQuestion[]; reassignCutoffAt: Date | null },
): Promise<RosterGroupRow> {
  const [row] = (await tx('groups')
    .where({ id: groupId })
    .update({
      questions: JSON.stringify(input.questions),
      reassign_cutoff_at: input.reassignCutoffAt,
      updated_at: tx.fn.now(),
    })
    .returning('*')) as RosterGroupRow[];
  return row;
}

/** The roster with each seat's ticket type and ticket code, in seat order. */
export async function rosterLines(tx: Tx, groupId: number): Promise<RosterLine[]> {
  return tx('group_members as m')
    .join('ticket_types as tt', 'tt.id', 'm.ticket_type_id')
    .leftJoin('tickets as t', 't.id', 'm.ticket_id')
    .where('m.group_id', groupId)
    .orderBy('m.id')
    .select('m.*', 'tt.name as ticket_type_name', 't.code as ticket_code', 't.status as ticket_status');
}

export async function getInvitation(tx: Tx, id: number, opts: { lock?: boolean } = {}) {
  const q = tx<InvitationRow>('group_invitations').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function getMember(tx: Tx, id: number, opts: { lock?: boolean } = {}) {
  const q = tx<GroupMemberRow>('group_members').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

/** Members still to complete their details: not released, with an e-mail address, details not yet given. */
export const awaitsDetails = (m: GroupMemberRow): boolean =>
  m.status !== 'released' && m.status !== 'completed' && !!m.email;

/**
 * The invitation each member is sent: their open one, or a new one. Members must be the group's; without ids, every
 * member awaiting details. A member who is invited for the first time moves from `open` to `invited`.
 */
export async function invitationsFor(
  tx: Tx,
  tenantId: string,
  group: GroupRow,
  memberIds?: number[],
): Promise<{ member: GroupMemberRow; invitation: InvitationRow }[]> {
  if (!group.order_id) throw conflict('group_not_ordered', 'Members are invited once the group has its bulk order');
  const members = await listMembers(tx, group.id, { lock: true });
  const byId = new Map(members.map((m) => [Number(m.id), m]));
  const unknown = (memberIds ?? []).filter((id) => !byId.has(id));
  if (unknown.length) throw unprocessable('unknown_member', 'Not a member of this group', { member_ids: unknown });
  const chosen = memberIds ? memberIds.map((id) => byId.get(id) as GroupMemberRow) : members;
  const out: { member: GroupMemberRow; invitation: InvitationRow }[] = [];
  for (const member of chosen.filter(awaitsDetails)) {
    let invitation = await tx<InvitationRow>('group_invitations')
      .where({ member_id: member.id })
      .whereNot({ status: 'revoked' })
      .orderBy('id', 'desc')
      .first();
    if (!invitation)
      [invitation] = (await tx('group_invitations')
        .insert({ tenant_id: tenantId, group_id: group.id, member_id: member.id, email: member.email })
        .returning('*')) as InvitationRow[];
    if (member.status === 'open')
      await tx('group_members')
        .where({ id: member.id })
        .update({ status: 'invited', invited_at: tx.fn.now(), updated_at: tx.fn.now() });
    out.push({ member, invitation });
  }
  return out;
}

/** Counts a send of an invitation (its e-mail's idempotency key names the count) and announces it. */
export async function recordInvitationSent(tx: Tx, tenantId: string, group: GroupRow, inv: InvitationRow) {
  const [row] = (await tx('group_invitations')
    .where({ id: inv.id })
    .update({ sends: tx.raw('sends + 1'), last_sent_at: tx.fn.now() })
    .returning('*')) as InvitationRow[];
  await emit(tx, tenantId, {
    type: 'group.invitation_sent',
    aggregateType: 'group',
    aggregateId: group.id,
    payload: { ...ref(group), member_id: Number(inv.member_id), invitation_id: Number(inv.id), resend: row.sends > 1 },
  });
  return row;
}

/** Accepting makes the seat the invited person's: a customer of the tenant by the invited e-mail. Repeats are no-ops. */
export async function acceptInvitation(
  tx: Tx,
  tenantId: string,
  group: GroupRow,
  inv: InvitationRow,
): Promise<GroupMemberRow> {
  const member = (await getMember(tx, inv.member_id, { lock: true })) as GroupMemberRow;
  if (member.status === 'released') throw conflict('seat_released', 'This seat was released');
  if (inv.status === 'accepted') return member;
  const { row: customer } = await upsertCustomer(tx, tenantId, {
    email: member.email ?? inv.email,
    name: member.name ?? inv.email,
  });
  await tx('group_invitations').where({ id: inv.id }).update({ status: 'accepted', accepted_at: tx.fn.now() });
  const [updated] = (await tx('group_members')
    .where({ id: member.id })
    .update({
      customer_id: customer.id,
      status: member.status === 'completed' ? 'completed' : 'accepted',
      accepted_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    })
    .returning('*')) as GroupMemberRow[];
  await emit(tx, tenantId, {
    type: 'group.invitation_accepted',
    aggregateType: 'group',
    aggregateId: group.id,
    payload: {
      ...ref(group),
      member_id: Number(member.id),
      invitation_id: Number(inv.id),
      customer_id: Number(customer.id),
    },
  });
  return updated;
}

/**
 * Records a member's attendee details. A seat already paid has its ticket renamed to them (and its wallet passes
 * made and refreshed through `ticket.updated`); an unpaid seat's ticket is issued in their name when it is paid.
 */
export async function completeDetails(
  tx: Tx,
  tenantId: string,
  group: GroupRow,
  memberId: number,
  input: { name: string; email: string; answers: Record<string, unknown> },
): Promise<GroupMemberRow> {
  const member = (await getMember(tx, memberId, { lock: true })) as GroupMemberRow;
  if (member.status === 'released') throw conflict('seat_released', 'This seat was released');
  if (member.status === 'open' || member.status === 'invited')
    throw conflict('invitation_not_accepted', 'Accept the invitation before giving your details');
  const { row: customer } = await upsertCustomer(tx, tenantId, { email: input.email, name: input.name });
  const [updated] = (await tx('group_members')
    .where({ id: member.id })
    .update({
      name: input.name,
      email: input.email,
      customer_id: customer.id,
      details: JSON.stringify({ answers: input.answers }),
      status: 'completed',
      updated_at: tx.fn.now(),
    })
    .returning('*')) as GroupMemberRow[];
  const ticket = member.ticket_id ? await getTicket(tx, member.ticket_id) : undefined;
  if (ticket && ticket.status === 'valid') {
    await tx('tickets').where({ id: ticket.id }).update({
      holder_name: input.name,
      holder_email: input.email,
      customer_id: customer.id,
      updated_at: tx.fn.now(),
    });
    await ensurePasses(tx, tenantId, [ticket]);
    await emit(tx, tenantId, {
      type: 'ticket.updated',
      aggregateType: 'ticket',
      aggregateId: ticket.id,
      payload: { ticket_id: ticket.id, event_id: ticket.event_id, changed: ['holder_name', 'holder_email'] },
    });
  }
  await emit(tx, tenantId, {
    type: 'group.member_details_completed',
    aggregateType: 'group',
    aggregateId: group.id,
    payload: { ...ref(group), member_id: Number(member.id), ticket_id: ticket ? Number(ticket.id) : null },
  });
  return updated;
}

/**
 * Gives a seat to another person before the cut-off (409 `reassign_cutoff_passed` after it). The old invitation is
 * revoked, so its link stops working; a paid seat's ticket is transferred (`ticket.transferred`: the old code stops
 * scanning, wallet passes follow); the seat's details start over and the caller invites the new person.
 */
export async function reassignSeat(
  tx: Tx,
  tenantId: string,
  group: RosterGroupRow,
  memberId: number,
  to: { name: string; email: string },
  now = new Date(),
): Promise<GroupMemberRow> {
  const event = await getEvent(tx, group.event_id);
  if (!event) throw notFound('Event');
  const cutoff = reassignCutoff(group, event.starts_at);
  if (now >= cutoff)
    throw conflict('reassign_cutoff_passed', 'Seats can no longer be reassigned', { cutoff_at: cutoff.toISOString() });
  const member = await getMember(tx, memberId, { lock: true });
  if (!member || Number(member.group_id) !== Number(group.id)) throw notFound('Member');
  if (member.status === 'released') throw conflict('seat_released', 'This seat was released');
  const email = to.email.toLowerCase();
  const clash = (await listMembers(tx, group.id)).some((m) => m.id !== member.id && m.email === email);
  if (clash) throw conflict('already_in_group', 'That person already holds a seat in this group');

  await tx('group_invitations').where({ member_id: member.id }).whereNot({ status: 'revoked' }).update({
    status: 'revoked',
  });
  const { row: holder } = await upsertCustomer(tx, tenantId, { email, name: to.name });
  const old = member.ticket_id ? await getTicket(tx, member.ticket_id, { lock: true }) : undefined;
  let fresh: number | null = null;
  if (old && old.status === 'valid') {
    const [ticket] = await insertTickets(tx, tenantId, [
      {
        event_id: old.event_id,
        order_id: old.order_id,
        ticket_type_id: old.ticket_type_id,
        customer_id: holder.id,
        holder_name: to.name,
        holder_email: email,
        section: old.section,
        seat: old.seat,
      },
    ]);
    fresh = Number(ticket.id);
    await tx('tickets')
      .where({ id: old.id })
      .update({ status: 'transferred', replaced_by_ticket_id: fresh, updated_at: tx.fn.now() });
    await emit(tx, tenantId, {
      type: 'ticket.transferred',
      aggregateType: 'ticket',
      aggregateId: old.id,
      payload: {
        ticket_id: old.id,
        old_ticket_id: old.id,
        new_ticket_id: fresh,
        event_id: old.event_id,
        ticket_type_id: old.ticket_type_id,
        new_customer_id: holder.id,
      },
    });
  }
  const [updated] = (await tx('group_members')
    .where({ id: member.id })
    .update({
      name: to.name,
      email,
      customer_id: holder.id,
      details: JSON.stringify({}),
      status: 'open',
      invited_at: null,
      accepted_at: null,
      ticket_id: fresh ?? member.ticket_id,
      updated_at: tx.fn.now(),
    })
    .returning('*')) as GroupMemberRow[];
  await emit(tx, tenantId, {
    type: 'group.seat_reassigned',
    aggregateType: 'group',
    aggregateId: group.id,
    payload: {
      ...ref(group),
      member_id: Number(member.id),
      old_ticket_id: old ? Number(old.id) : null,
      new_ticket_id: fresh,
    },
  });
  return updated;
}
