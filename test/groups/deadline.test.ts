import { NativeConnection } from '@temporalio/worker';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { testEnv } from '../stack-env';
import { withTenant } from '../../db/connection';
import { getGroup } from '../../db/groups/groups';
import { getGroupPayment, openShare, releaseUnpaidSeats, settleShare } from '../../db/groups/payments';
import { createPaymentProvider } from '../../integrations/payments';
import { createMailer } from '../../integrations/mail/mailer';
import { createLogger } from '../../lib/logger';
import { startWorkerProcess, type WorkerProcess } from '../../worker';
import { groupBookingWorkflowId } from '../../workflows/groups/contract';
import { groupEvent, roster, soldOf, type GroupBody, type GroupEvent } from './fixtures';

let h: Harness;
let t: TenantFixture;
let e: GroupEvent;
let restarted: WorkerProcess | undefined;
let restartedConnection: NativeConnection | undefined;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'School');
  e = await groupEvent(h, t, 60);
}, 180_000);
afterAll(async () => {
  await restarted?.shutdown();
  await restartedConnection?.close();
  await h.stop();
});

/** Orders a 20-seat group of GA seats in mixed mode, the first `covered` roster members paid by the leader. */
async function orderedGroup(settings: Record<string, unknown>, covered = 0, prefix = 'p'): Promise<GroupBody> {
  expect((await t.api.put('/api/modules/groups', { settings })).status).toBe(200);
  const g = await e.leader.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    name: `Class ${prefix}`,
    payment_mode: 'mixed',
    seats: [{ ticket_type_id: e.ga, quantity: 20 }],
  });
  expect(g.status).toBe(201);
  const res = await e.leader.post<{ group: GroupBody }>(`/api/groups/groups/${g.body.id}/orders`, {
    roster_csv: roster(20, 'General admission', prefix),
    covered_by_leader: Array.from({ length: covered }, (_, i) => `${prefix}${i}@example.com`),
  });
  expect(res.status).toBe(201);
  return res.body.group;
}

const pay = (groupId: number, memberIds: number[], payer: 'leader' | 'member') =>
  e.leader.post<{ status: string }>(`/api/groups/groups/${groupId}/payments`, {
    member_ids: memberIds,
    payer,
    payment_method: 'pm_card_visa',
  });

const deadlineState = async (groupId: number) =>
  (
    await t.api.get<{ status: string; owing: number; released_member_ids: number[] }>(
      `/api/groups/groups/${groupId}/deadline`,
    )
  ).body;

test('20 people: 15 pay on time, the leader covers 3 in the grace period, 2 seats go back to sale', async () => {
  const before = await soldOf(h, e.ga);
  // One day scaled to ~69 s (room for 15 payments on a loaded machine): a reminder ~3 s before it, ~14 s of grace.
  const g = await orderedGroup(
    { payment_days: 1, reminder_hours: [1], grace_hours: 5, deadline_time_scale: 0.0008 },
    3,
  );
  expect(await soldOf(h, e.ga)).toBe(before + 20);
  expect(g.owed_minor).toBe(20 * 3600);
  const [covered, members] = [g.members.slice(0, 3), g.members.slice(3)];
  for (const m of members.slice(0, 15)) expect((await pay(g.id, [m.id], 'member')).body.status).toBe('succeeded');

  // The deadline is ~69 s after the order however fast the payments went, so wait past it.
  await eventually(async () => (await deadlineState(g.id)).status === 'grace', { timeoutMs: 150_000, what: 'grace' });
  await eventually(async () => h.mail.find((m) => m.subject === 'Class p: 5 seat(s) unpaid'), { what: 'leader mail' });
  const leaderPays = await pay(
    g.id,
    covered.map((m) => m.id),
    'leader',
  );
  expect(leaderPays.body.status).toBe('succeeded');

  await eventually(async () => (await deadlineState(g.id)).status === 'completed', { timeoutMs: 60_000, what: 'done' });
  const unpaid = members.slice(15).map((m) => m.id);
  expect((await deadlineState(g.id)).released_member_ids.sort()).toEqual(unpaid.sort());
  // Exactly the 2 released seats are back in inventory; the 18 paid seats hold tickets.
  expect(await soldOf(h, e.ga)).toBe(before + 18);
  const after = (await t.api.get<GroupBody>(`/api/groups/groups/${g.id}`)).body;
  expect(after).toMatchObject({ status: 'completed', owed_minor: 0 });
  expect(after.members.filter((m) => m.ticket_id !== null)).toHaveLength(18);
  expect(
    after.members
      .filter((m) => m.status === 'released')
      .map((m) => m.id)
      .sort(),
  ).toEqual(unpaid.sort());
  // The two who never paid were reminded; the covered seats were the leader's to pay, never chased.
  const reminded = h.mail.filter((m) => m.subject.includes('your share is due')).flatMap((m) => m.to);
  expect(reminded).toEqual(expect.arrayContaining(['p18@example.com', 'p19@example.com']));
  expect(reminded).not.toContain('p0@example.com');
  // Nobody gave attendee details, so the reminder round also asked every member for them, each once.
  const detailsReminded = h.mail.filter((m) => /^Reminder: your details/.test(m.subject)).flatMap((m) => m.to);
  expect(detailsReminded.filter((to) => /^p\d+@example.com$/.test(to)).sort()).toEqual(
    g.members.map((m) => m.email).sort(),
  );
  await recordHistory(h.temporal, groupBookingWorkflowId(t.tenantId, g.id), 'group-booking-reminded');
}, 240_000);

test('a share paid exactly at the deadline is either kept with its ticket or refunded, never lost', async () => {
  await t.api.put('/api/modules/groups', { settings: {} });
  const g = await e.leader.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    name: 'Race',
    payment_mode: 'members',
    seats: [{ ticket_type_id: e.ga, quantity: 2 }],
  });
  const ordered = await e.leader.post<{ group: GroupBody }>(`/api/groups/groups/${g.body.id}/orders`, {
    roster_csv: roster(2, 'General admission', 'race'),
  });
  const [first, second] = ordered.body.group.members;
  const inTenant = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.db, t.tenantId, fn);
  const open = async (memberId: number) =>
    inTenant(async (tx) =>
      openShare(tx, t.tenantId, (await getGroup(tx, g.body.id)) as never, {
        memberIds: [memberId],
        payer: 'member',
        provider: 'offline',
      }),
    );
  // One share settles before the release takes the group lock, the other after: both outcomes, nothing in between.
  const early = await open(first.id);
  const late = await open(second.id);
  await inTenant((tx) => settleShare(tx, t.tenantId, early.id, { reference: 'paid-early', succeeded: true }));
  await Promise.all([
    inTenant((tx) => releaseUnpaidSeats(tx, t.tenantId, g.body.id, 'deadline')),
    inTenant((tx) => settleShare(tx, t.tenantId, late.id, { reference: 'paid-late', succeeded: true })),
  ]);
  const kept = await inTenant((tx) => getGroupPayment(tx, early.id));
  const raced = await inTenant((tx) => getGroupPayment(tx, late.id));
  expect(kept?.status).toBe('succeeded');
  const view = (await t.api.get<GroupBody>(`/api/groups/groups/${g.body.id}`)).body;
  expect(view.members.find((m) => m.id === first.id)).toMatchObject({ paid: true, status: 'open' });
  expect(view.members.find((m) => m.id === first.id)?.ticket_id).not.toBeNull();
  const racedMember = view.members.find((m) => m.id === second.id);
  if (raced?.status === 'succeeded') expect(racedMember).toMatchObject({ paid: true, status: 'open' });
  else expect([raced?.status, racedMember?.status, racedMember?.paid]).toEqual(['refund_due', 'released', false]);
}, 120_000);

test('a worker killed before the deadline still releases the unpaid seats after a restart', async () => {
  const sold = await soldOf(h, e.ga);
  const g = await orderedGroup(
    { payment_days: 1, reminder_hours: [], grace_hours: 1, deadline_time_scale: 0.0002 },
    0,
    'k',
  );
  expect(await soldOf(h, e.ga)).toBe(sold + 20);
  await h.worker?.shutdown();
  // The deadline (~17 s) passes while no worker runs.
  await eventually(async () => Date.now() > Date.parse(g.payment_deadline_at ?? '') + 1000, { timeoutMs: 60_000 });
  restartedConnection = await NativeConnection.connect({ address: h.config.TEMPORAL_ADDRESS });
  const logger = createLogger('test', h.config.LOG_LEVEL);
  restarted = await startWorkerProcess({
    connection: restartedConnection,
    deps: {
      db: h.db,
      config: h.config,
      logger,
      temporal: h.temporal,
      payments: createPaymentProvider(h.config),
      mailer: createMailer({ smtpUrl: h.config.SMTP_URL, from: h.config.MAIL_FROM, logger }),
    },
    workflows: { workflowBundle: { codePath: testEnv('workflowBundle') } },
  });
  await eventually(async () => (await deadlineState(g.id)).status === 'completed', { timeoutMs: 90_000, what: 'done' });
  expect(await soldOf(h, e.ga)).toBe(sold);
}, 240_000);
