import { createRosterActivities } from '../../activities/groups/roster';
import { invitationLinks } from '../../domain/groups/links';
import { recipientLinks } from '../../domain/surveys/links';
import { createLogger } from '../../lib/logger';
import { client, eventually, type Harness, createHarness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import type { WorkerDeps } from '../../activities/deps';
import { groupEvent, type GroupEvent, type Problem } from './fixtures';
import {
  decoded,
  invitationToken,
  mailsTo,
  orderedGroup,
  payShare,
  setQuestions,
  type RosterBody,
} from './roster-fixtures';

interface InvitationBody {
  member: { name: string | null; email: string | null; status: string; answers: Record<string, unknown> };
  ticket: { code: string; status: string; wallet: { apple_url: string; google_url: string } } | null;
}

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let e: GroupEvent;
const pub = () => client(h.baseUrl);

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Roster club');
  other = await createTenantWithKey(h, 'Other club');
  e = await groupEvent(h, t, 60);
}, 180_000);
afterAll(() => h.stop());

const invite = async (groupId: number, member_ids?: number[]) => {
  const res = await e.leader.post<{ items: { member_id: number; invitation_id: number; email: string }[] }>(
    `/api/groups/groups/${groupId}/invitations`,
    member_ids ? { member_ids } : {},
  );
  expect(res.status).toBe(200);
  return res.body.items;
};

const eventsOf = async (type: string, groupId: number) =>
  h.owner('outbox').where({ tenant_id: t.tenantId, type, aggregate_id: String(groupId) });

test('invite, accept, give details, then the member holds their own ticket and wallet pass', async () => {
  const g = await orderedGroup(e, 'inv');
  await setQuestions(t, g.id);
  const [paid, unpaid] = g.members;
  expect((await invite(g.id)).map((i) => i.email)).toEqual([
    'inv0@example.com',
    'inv1@example.com',
    'inv2@example.com',
  ]);
  const token = await invitationToken(h, 'inv0@example.com');
  await payShare(e, g.id, paid.id);

  const before = await pub().get<InvitationBody>(`/api/groups/invitations/${token}`);
  expect(before.body.member).toMatchObject({ status: 'invited', email: 'inv0@example.com' });
  const early = await pub().post<Problem>(`/api/groups/invitations/${token}/details`, {
    name: 'Ada',
    email: 'ada@example.com',
    answers: { diet: 'vegan' },
  });
  expect([early.status, early.body.code]).toEqual([409, 'invitation_not_accepted']);

  expect((await pub().post<InvitationBody>(`/api/groups/invitations/${token}/accept`)).body.member.status).toBe(
    'accepted',
  );
  // Every fault at once, each with its field path.
  const bad = await pub().post<Problem>(`/api/groups/invitations/${token}/details`, {
    name: 'Ada',
    email: 'ada@example.com',
    answers: { diet: 'meat', shoe: 42 },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.errors?.map((x) => x.path).sort()).toEqual(['body.answers.diet', 'body.answers.shoe']);
  const missing = await pub().post<Problem>(`/api/groups/invitations/${token}/details`, { email: 'no-at-all' });
  expect(missing.status).toBe(400);
  expect(missing.body.errors?.map((x) => x.path).sort()).toEqual(['body.email', 'body.name']);
  const required = await pub().post<Problem>(`/api/groups/invitations/${token}/details`, {
    name: 'Ada',
    email: 'ada@example.com',
  });
  expect(required.body.errors?.map((x) => x.path)).toEqual(['body.answers.diet']);

  const done = await pub().post<InvitationBody>(`/api/groups/invitations/${token}/details`, {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    answers: { diet: 'vegan', shirt: 'M' },
  });
  expect(done.status).toBe(200);
  expect(done.body.member).toMatchObject({ status: 'completed', answers: { diet: 'vegan', shirt: 'M' } });
  const ticket = done.body.ticket;
  expect(ticket?.status).toBe('valid');
  const [row] = await h.owner('tickets').where({ code: ticket?.code });
  const [customer] = await h.owner('customers').where({ tenant_id: t.tenantId, email: 'ada@example.com' });
  expect(row).toMatchObject({ holder_name: 'Ada Lovelace', holder_email: 'ada@example.com', customer_id: customer.id });
  const passes = await h.owner('wallet_passes').where({ ticket_id: row.id }).orderBy('platform');
  expect(passes.map((p: { platform: string }) => p.platform)).toEqual(['apple', 'google']);
  expect(ticket?.wallet.apple_url).toContain(`/api/wallet/apple/download/${passes[0].serial_number}`);
  expect(ticket?.wallet.google_url).toContain(`/api/wallet/google/save/${passes[1].serial_number}`);

  // An unpaid seat: details first, then the ticket is issued in the member's name when the share is paid.
  const token1 = await invitationToken(h, 'inv1@example.com');
  await pub().post(`/api/groups/invitations/${token1}/accept`);
  const noTicket = await pub().post<InvitationBody>(`/api/groups/invitations/${token1}/details`, {
    name: 'Grace Hopper',
    email: 'grace@example.com',
    answers: { diet: 'none' },
  });
  expect(noTicket.body.ticket).toBeNull();
  await payShare(e, g.id, unpaid.id);
  const later = await pub().get<InvitationBody>(`/api/groups/invitations/${token1}`);
  const [graceTicket] = await h.owner('tickets').where({ code: later.body.ticket?.code });
  const [grace] = await h.owner('customers').where({ tenant_id: t.tenantId, email: 'grace@example.com' });
  expect(graceTicket).toMatchObject({ holder_name: 'Grace Hopper', customer_id: grace.id, status: 'valid' });

  expect((await eventsOf('group.invitation_sent', g.id)).length).toBe(3);
  expect((await eventsOf('group.invitation_accepted', g.id)).length).toBe(2);
  expect((await eventsOf('group.member_details_completed', g.id)).map((x) => x.payload.ticket_id)).toEqual([
    row.id,
    null,
  ]);
}, 120_000);

test('a forged, foreign or survey-signed link is a 404; another tenant and another leader see no roster', async () => {
  const g = await orderedGroup(e, 'iso', 1);
  const [inv] = await invite(g.id);
  const forged = invitationLinks(h.config.TOKEN_SECRET).sign({
    tenantId: other.tenantId,
    recipientId: inv.invitation_id,
  });
  const survey = recipientLinks(h.config.TOKEN_SECRET).sign({ tenantId: t.tenantId, recipientId: inv.invitation_id });
  for (const token of [forged, survey, 'not.a-token'])
    expect((await pub().get(`/api/groups/invitations/${token}`)).status).toBe(404);
  expect((await other.api.get(`/api/groups/groups/${g.id}/roster`)).status).toBe(404);
  const stranger = await t.api.post<{ id: number }>('/api/customers', { email: 'stranger@example.com', name: 'S' });
  const token = await t.api.post<{ token: string }>(`/api/customers/${stranger.body.id}/tokens`, {});
  const strangerApi = client(h.baseUrl, token.body.token);
  expect((await strangerApi.get(`/api/groups/groups/${g.id}/roster`)).status).toBe(404);
  expect((await strangerApi.post(`/api/groups/groups/${g.id}/reminders`)).status).toBe(404);
}, 60_000);

test('reassigning a seat before the cut-off voids the old code and link and invites the new person; after it, 409', async () => {
  const g = await orderedGroup(e, 're', 2);
  await invite(g.id);
  const oldToken = await invitationToken(h, 're0@example.com');
  await payShare(e, g.id, g.members[0].id);
  const [oldTicket] = await h
    .owner('tickets')
    .where({ id: (await h.owner('group_members').where({ id: g.members[0].id }).first()).ticket_id });

  const res = await e.leader.post<RosterBody>(`/api/groups/groups/${g.id}/members/${g.members[0].id}/reassign`, {
    name: 'New Person',
    email: 'New.Person@example.com',
  });
  expect(res.status).toBe(200);
  const seat = res.body.members.find((m) => m.member_id === g.members[0].id);
  expect(seat).toMatchObject({ name: 'New Person', email: 'new.person@example.com', detail_status: 'invited' });
  expect(seat?.ticket_code).not.toBe(oldTicket.code);

  const lookup = async (code: string) =>
    (await t.api.get<{ ticket: { status: string } }>(`/api/checkin/ticket/${code}/lookup`)).body.ticket.status;
  expect(await lookup(oldTicket.code)).toBe('transferred');
  expect(await lookup(seat?.ticket_code as string)).toBe('valid');
  expect((await pub().get(`/api/groups/invitations/${oldToken}`)).status).toBe(404);
  const newToken = await invitationToken(h, 'new.person@example.com');
  const view = await pub().get<InvitationBody>(`/api/groups/invitations/${newToken}`);
  expect(view.body.ticket?.code).toBe(seat?.ticket_code);
  const [event] = await eventsOf('group.seat_reassigned', g.id);
  expect(event.payload).toMatchObject({ old_ticket_id: oldTicket.id, member_id: g.members[0].id });

  await setQuestions(t, g.id, new Date(Date.now() - 60_000).toISOString());
  const late = await e.leader.post<Problem>(`/api/groups/groups/${g.id}/members/${g.members[1].id}/reassign`, {
    name: 'Too Late',
    email: 'late@example.com',
  });
  expect([late.status, late.body.code]).toEqual([409, 'reassign_cutoff_passed']);
}, 120_000);

test('the roster exports as JSON and CSV with details, payments and answers', async () => {
  const g = await orderedGroup(e, 'exp', 2);
  await setQuestions(t, g.id);
  await invite(g.id);
  const token = await invitationToken(h, 'exp0@example.com');
  await pub().post(`/api/groups/invitations/${token}/accept`);
  await pub().post(`/api/groups/invitations/${token}/details`, {
    name: 'Exp, "Zero"',
    email: 'exp0@example.com',
    answers: { diet: 'vegetarian', shirt: '=cmd' },
  });
  await payShare(e, g.id, g.members[0].id);

  const json = await t.api.get<RosterBody>(`/api/groups/groups/${g.id}/roster`);
  expect(json.body.owed_minor).toBe(g.members[1].price_minor);
  expect(json.body.members.map((m) => [m.email, m.detail_status, m.payment_status, m.answers])).toEqual([
    ['exp0@example.com', 'completed', 'paid', { diet: 'vegetarian', shirt: '=cmd' }],
    ['exp1@example.com', 'invited', 'owed', {}],
  ]);
  const csv = await e.leader.get<string>(`/api/groups/groups/${g.id}/roster?format=csv`);
  expect(csv.headers.get('content-type')).toContain('text/csv');
  const lines = csv.body.trim().split('\r\n');
  expect(lines[0]).toBe(
    'member_id,name,email,ticket_type,detail_status,payment_status,price_minor,ticket_code,answer_diet,answer_shirt',
  );
  const code = json.body.members[0].ticket_code;
  expect(lines[1]).toBe(
    `${g.members[0].id},"Exp, ""Zero""",exp0@example.com,General admission,completed,paid,${g.members[0].price_minor},${code},vegetarian,'=cmd`,
  );
  expect(lines[2]).toBe(
    `${g.members[1].id},Member exp1,exp1@example.com,General admission,invited,owed,${g.members[1].price_minor},,,`,
  );
}, 120_000);

test('reminders go only to members who have not completed their details, once per round', async () => {
  const g = await orderedGroup(e, 'rem', 3);
  await invite(g.id);
  const token = await invitationToken(h, 'rem0@example.com');
  await pub().post(`/api/groups/invitations/${token}/accept`);
  await pub().post(`/api/groups/invitations/${token}/details`, { name: 'Rem Zero', email: 'rem0@example.com' });

  const res = await t.api.post<{ reminded: number }>(`/api/groups/groups/${g.id}/reminders`);
  expect([res.status, res.body.reminded]).toEqual([200, 2]);
  const reminders = () => h.mail.filter((m) => /^Reminder: your details/.test(m.subject));
  const to = async (email: string) =>
    eventually(async () => mailsTo(h, email, /^Reminder: your details/).length > 0, { what: `reminder to ${email}` });
  await to('rem1@example.com');
  await to('rem2@example.com');
  expect(reminders().some((m) => m.to.includes('rem0@example.com'))).toBe(false);
  expect(decoded(mailsTo(h, 'rem1@example.com', /^Reminder/)[0])).toContain('/g/invitations/');

  // The workflow's step: once per round, however often it is retried.
  const deps = { db: h.db, config: h.config, logger: createLogger('test', 'silent') } as unknown as WorkerDeps;
  const { groupsRemindIncompleteDetails } = createRosterActivities(deps);
  const input = { tenantId: t.tenantId, groupId: g.id, round: '24h' };
  expect(await groupsRemindIncompleteDetails(input)).toBe(2);
  expect(await groupsRemindIncompleteDetails(input)).toBe(2);
  await eventually(async () => mailsTo(h, 'rem2@example.com', /^Reminder/).length === 2, { what: 'round reminder' });
  const [{ count }] = await h
    .owner('email_outbox')
    .where({ tenant_id: t.tenantId })
    .whereLike('idempotency_key', `group-details-reminder-%-24h`)
    .count<{ count: string }[]>({ count: '*' });
  expect(Number(count)).toBe(2);
}, 120_000);
