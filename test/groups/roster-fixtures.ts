import { eventually, type Harness } from '../helpers/harness';
import type { ReceivedMail } from '../helpers/smtp';
import type { TenantFixture } from '../helpers/fixtures';
import type { GroupBody, GroupEvent } from './fixtures';

export interface RosterBody {
  group_id: number;
  owed_minor: number;
  payment_deadline_at: string | null;
  members: {
    member_id: number;
    name: string | null;
    email: string | null;
    ticket_type: string;
    detail_status: string;
    payment_status: string;
    price_minor: number | null;
    ticket_code: string | null;
    answers: Record<string, unknown>;
  }[];
}

export const QUESTIONS = [
  { id: 'diet', label: 'Diet', type: 'choice', options: ['none', 'vegetarian', 'vegan'], required: true },
  { id: 'shirt', label: 'T-shirt size', type: 'text' },
];

/** A group of `n` GA seats (members pay their own shares), ordered with members `<prefix>0..n-1@example.com`. */
export async function orderedGroup(e: GroupEvent, prefix: string, n = 3): Promise<GroupBody> {
  const g = await e.leader.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    name: `Group ${prefix}`,
    payment_mode: 'members',
    seats: [{ ticket_type_id: e.ga, quantity: n }],
  });
  expect(g.status).toBe(201);
  const res = await e.leader.post<{ group: GroupBody }>(`/api/groups/groups/${g.body.id}/orders`, {
    members: Array.from({ length: n }, (_, i) => ({
      name: `Member ${prefix}${i}`,
      email: `${prefix}${i}@example.com`,
      ticket_type_id: e.ga,
    })),
  });
  expect(res.status).toBe(201);
  return res.body.group;
}

/** Pays one member's own share (stripe-mock's test card). */
export async function payShare(e: GroupEvent, groupId: number, memberId: number): Promise<void> {
  const res = await e.leader.post<{ status: string }>(`/api/groups/groups/${groupId}/payments`, {
    member_ids: [memberId],
    payer: 'member',
    payment_method: 'pm_card_visa',
  });
  expect([res.status, res.body.status]).toEqual([201, 'succeeded']);
}

/** The body of a received message with quoted-printable soft breaks and escapes undone. */
export const decoded = (m: ReceivedMail): string =>
  m.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

export const mailsTo = (h: Harness, email: string, subject: RegExp): ReceivedMail[] =>
  h.mail.filter((m) => m.to.includes(email) && subject.test(m.subject));

/** The invitation token in the latest matching e-mail to `email`, waiting for it to arrive. */
export async function invitationToken(h: Harness, email: string, subject = /invites you/): Promise<string> {
  const mail = await eventually(async () => mailsTo(h, email, subject).at(-1), { what: `e-mail to ${email}` });
  const token = /\/g\/invitations\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(decoded(mail))?.[1];
  if (!token) throw new Error(`no invitation link in the e-mail to ${email}`);
  return token;
}

export async function setQuestions(t: TenantFixture, groupId: number, cutoff: string | null = null): Promise<void> {
  const res = await t.api.put(`/api/groups/groups/${groupId}/roster-options`, {
    questions: QUESTIONS,
    reassign_cutoff_at: cutoff,
  });
  expect(res.status).toBe(200);
}
