import type { Tx } from '../connection';
import { formatMailDate } from '../../domain/season/renewal-mail';
import { renderRosterMail, type RosterMailVars } from '../../domain/groups/roster-mail';
import { getCustomer } from '../customers/customers';
import { getEvent } from '../events/events';
import { queueEmails, type EmailMessage } from '../platform/mail';
import { listMembers, type GroupRow } from './groups';
import { invitationsFor, recordInvitationSent } from './roster';

type Context = Omit<RosterMailVars, 'member' | 'link' | 'message'>;

async function contextOf(tx: Tx, group: GroupRow): Promise<Context> {
  const [event, leader] = await Promise.all([getEvent(tx, group.event_id), getCustomer(tx, group.leader_customer_id)]);
  return {
    group: { name: group.name, leader: leader?.name ?? 'Your group leader' },
    event: { name: event?.name ?? '' },
    deadline: group.payment_deadline_at ? formatMailDate(group.payment_deadline_at.toISOString()) : '',
  };
}

export interface SentInvitation {
  member_id: number;
  invitation_id: number;
  email: string;
}

/**
 * E-mails members their signed invitation link: as an invitation (first or re-sent; each send its own message), or
 * as a reminder to complete their details (once per `round`, so a retried reminder step sends nothing twice).
 * Only members still awaiting details are written to.
 */
export async function sendInvitations(
  tx: Tx,
  tenantId: string,
  group: GroupRow,
  opts: {
    kind: 'invitation' | 'reminder';
    memberIds?: number[];
    round?: string;
    linkFor(invitationId: number): string;
  },
): Promise<SentInvitation[]> {
  const targets = await invitationsFor(tx, tenantId, group, opts.memberIds);
  if (!targets.length) return [];
  const context = await contextOf(tx, group);
  const messages: EmailMessage[] = [];
  for (const { member, invitation } of targets) {
    const sent = opts.kind === 'invitation' ? await recordInvitationSent(tx, tenantId, group, invitation) : invitation;
    const mail = await renderRosterMail(opts.kind, {
      ...context,
      member: { name: member.name ?? '' },
      link: opts.linkFor(Number(invitation.id)),
      message: { subject: '', body: '' },
    });
    messages.push({
      idempotencyKey:
        opts.kind === 'invitation'
          ? `group-invitation-${invitation.id}-${sent.sends}`
          : `group-details-reminder-${member.id}-${opts.round ?? ''}`,
      to: member.email as string,
      ...mail,
    });
  }
  await queueEmails(tx, tenantId, messages);
  return targets.map(({ member, invitation }) => ({
    member_id: Number(member.id),
    invitation_id: Number(invitation.id),
    email: member.email as string,
  }));
}

/** The leader's message, e-mailed to every member of the group with an address whose seat is not released. */
export async function messageGroup(
  tx: Tx,
  tenantId: string,
  group: GroupRow,
  message: { subject: string; body: string; key: string },
): Promise<number> {
  const members = (await listMembers(tx, group.id)).filter((m) => m.status !== 'released' && m.email);
  const context = await contextOf(tx, group);
  const messages: EmailMessage[] = [];
  for (const m of members)
    messages.push({
      idempotencyKey: `group-message-${group.id}-${message.key}-${m.id}`,
      to: m.email as string,
      ...(await renderRosterMail('message', {
        ...context,
        member: { name: m.name ?? '' },
        link: '',
        message: { subject: message.subject, body: message.body },
      })),
    });
  await queueEmails(tx, tenantId, messages);
  return messages.length;
}
