import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createGate, registerDevice, ScannerSocket, startTestRealtime } from '../helpers/checkin';
import { recordHistory } from '../helpers/histories';
import { withTenant } from '../../db/connection';
import { settleShare } from '../../db/groups/payments';
import { getGroupHoldStateQuery, groupBookingWorkflowId, groupHoldWorkflowId } from '../../workflows/groups/contract';
import { groupEvent, roster, soldOf, type GroupBody, type GroupEvent } from './fixtures';

let h: Harness;
let t: TenantFixture;
let e: GroupEvent;
let rt: Awaited<ReturnType<typeof startTestRealtime>>;

beforeAll(async () => {
  h = await createHarness({ worker: true, env: { PAYMENT_PROVIDER: 'stripe' } });
  t = await createTenantWithKey(h, 'Lifecycle');
  e = await groupEvent(h, t, 60);
  rt = await startTestRealtime(h.db);
}, 180_000);
afterAll(async () => {
  await rt.stop();
  await h.stop();
});

/** A group of `n` GA seats ordered from a roster, the first `covered` seats paid by the leader. */
async function ordered(name: string, n: number, mode: string, covered = 0): Promise<GroupBody> {
  const g = await e.leader.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    name,
    payment_mode: mode,
    seats: [{ ticket_type_id: e.ga, quantity: n }],
  });
  expect(g.status).toBe(201);
  const res = await e.leader.post<{ group: GroupBody }>(`/api/groups/groups/${g.body.id}/orders`, {
    roster_csv: roster(n, 'General admission', name),
    covered_by_leader: Array.from({ length: covered }, (_, i) => `${name}${i}@example.com`),
  });
  expect(res.status).toBe(201);
  return res.body.group;
}

/**
 * Pays a share with a Stripe test card: stripe-mock creates the PaymentIntent, which it leaves unconfirmed, so the
 * share is settled here as a `payment_intent.succeeded` would settle it, with the intent's id as the reference.
 */
async function pay(groupId: number, memberIds: number[], payer: 'leader' | 'member') {
  const res = await e.leader.post<{ id: number; status: string; client_secret: string | null }>(
    `/api/groups/groups/${groupId}/payments`,
    { member_ids: memberIds, payer, payment_method: 'pm_card_visa' },
  );
  expect(res.status).toBe(201);
  const intent = res.body.client_secret?.split('_secret_')[0] ?? '';
  expect(intent).toMatch(/^pi_/);
  const settled = await withTenant(h.db, t.tenantId, (tx) =>
    settleShare(tx, t.tenantId, res.body.id, { reference: intent, succeeded: true }),
  );
  expect(settled.status).toBe('succeeded');
}

const groupOf = async (id: number) => (await t.api.get<GroupBody>(`/api/groups/groups/${id}`)).body;

test('a cancelled group: paid shares are refunded through the refunds module, every seat goes back', async () => {
  await t.api.put('/api/modules/groups', { settings: {} });
  const before = await soldOf(h, e.ga);
  const g = await ordered('cancel', 4, 'mixed', 2);
  expect(await soldOf(h, e.ga)).toBe(before + 4);
  await pay(
    g.id,
    g.members.slice(0, 2).map((m) => m.id),
    'leader',
  );
  await pay(g.id, [g.members[2].id], 'member');

  expect((await e.leader.post(`/api/groups/groups/${g.id}/cancel`, {})).status).toBe(202);
  await eventually(async () => (await groupOf(g.id)).status === 'cancelled', { timeoutMs: 90_000, what: 'cancel' });
  const state = h.temporal.workflow.getHandle(groupBookingWorkflowId(t.tenantId, g.id));
  expect((await state.result()).status).toBe('cancelled');

  const payments = (
    await t.api.get<{ items: { amount_minor: number; status: string; refund_request_id: number | null }[] }>(
      `/api/groups/groups/${g.id}/payments`,
    )
  ).body.items;
  expect(payments.map((p) => p.status)).toEqual(['refunded', 'refunded']);
  // Each share is a refund request of the group's order, processed through Stripe, listed with the others.
  const requests = (
    await t.api.get<{
      items: { id: number; status: string; refund_amount_minor: number; payment_refund_id: string | null }[];
    }>(`/api/refund-requests?order_id=${g.order_id}`)
  ).body.items;
  expect(requests.map((r) => r.id).sort()).toEqual(payments.map((p) => p.refund_request_id).sort());
  for (const r of requests) {
    expect(r.status).toBe('processed');
    expect(r.payment_refund_id).toMatch(/^re_/);
  }
  expect(requests.map((r) => r.refund_amount_minor).sort()).toEqual(payments.map((p) => p.amount_minor).sort());
  // The refunds module's processing fee is metered on each, as for any refund.
  const metered = await h
    .owner('usage_records')
    .where({ tenant_id: t.tenantId, meter: 'refunds.processing' })
    .whereIn(
      'idempotency_key',
      requests.map((r) => `refunds.processing:${r.id}`),
    );
  expect(metered).toHaveLength(2);

  // Every seat is back on sale: the unpaid one released, the three paid ones with their tickets cancelled.
  expect(await soldOf(h, e.ga)).toBe(before);
  const after = await groupOf(g.id);
  expect(after.members.every((m) => m.status === 'released')).toBe(true);
  const ticketIds = after.members.flatMap((m) => (m.ticket_id ? [m.ticket_id] : []));
  expect(ticketIds).toHaveLength(3);
  expect(new Set((await h.owner('tickets').whereIn('id', ticketIds)).map((tk) => tk.status))).toEqual(
    new Set(['cancelled']),
  );
  await recordHistory(h.temporal, groupBookingWorkflowId(t.tenantId, g.id), 'group-booking-cancelled');
}, 180_000);

test('a group not ordered before its hold ends gives its seats back; an ordered one keeps them', async () => {
  // A 1-hour hold scaled to ~11 s.
  await t.api.put('/api/modules/groups', { settings: { hold_hours: 1, deadline_time_scale: 0.003 } });
  const before = await soldOf(h, e.ga);
  const lapsing = await e.leader.post<GroupBody>('/api/groups/groups', {
    event_id: e.eventId,
    name: 'Lapsing',
    payment_mode: 'leader',
    seats: [{ ticket_type_id: e.ga, quantity: 3 }],
  });
  const kept = await ordered('kept', 2, 'leader');
  expect(await soldOf(h, e.ga)).toBe(before + 5);

  const hold = h.temporal.workflow.getHandle(groupHoldWorkflowId(t.tenantId, lapsing.body.id));
  await eventually(async () => (await hold.query(getGroupHoldStateQuery).catch(() => undefined))?.status, {
    what: 'hold started',
  });
  expect(await hold.result()).toMatchObject({ status: 'expired' });
  const lapsed = await groupOf(lapsing.body.id);
  expect(lapsed.status).toBe('expired');
  expect(lapsed.members.every((m) => m.status === 'released')).toBe(true);
  expect(await soldOf(h, e.ga)).toBe(before + 2);
  // Too late to order now.
  const late = await e.leader.post<{ code: string }>(`/api/groups/groups/${lapsing.body.id}/orders`, {
    roster_csv: roster(3, 'General admission', 'late'),
  });
  expect(late.status).toBe(409);

  const keptHold = await h.temporal.workflow.getHandle(groupHoldWorkflowId(t.tenantId, kept.id)).result();
  expect(keptHold).toMatchObject({ status: 'ordered', releasedMemberIds: [] });
  expect((await groupOf(kept.id)).status).toBe('confirmed');
  expect(await soldOf(h, e.ga)).toBe(before + 2);
  await recordHistory(h.temporal, groupHoldWorkflowId(t.tenantId, lapsing.body.id), 'group-hold-expired');
  await t.api.put('/api/modules/groups', { settings: {} });
}, 180_000);

test('one group code at a gate admitting group codes lets in every ticket of the group, each counted once', async () => {
  const g = await ordered('gate', 3, 'members');
  for (const m of g.members) await pay(g.id, [m.id], 'member');
  const tickets = await h
    .owner('tickets')
    .whereIn(
      'id',
      (await groupOf(g.id)).members.map((m) => m.ticket_id as number),
    )
    .orderBy('id');
  const groupGate = await createGate(t, e.eventId, { admits_group_codes: true });
  const plainGate = await createGate(t, e.eventId);
  const device = await registerDevice(t, e.eventId, groupGate.id);
  const { code } = (await e.leader.get<{ code: string }>(`/api/groups/groups/${g.id}/gate-code`)).body;
  expect(code).toMatch(/^grp_[0-9a-f]{32}$/);

  const sock = await ScannerSocket.connect(`${rt.url}/api/checkin/scanner?token=${device.token}`);
  // One member came early and was scanned on their own.
  expect((await sock.scan({ scan_id: 'gm-alone', code: tickets[0].code })).verdict).toBe('success');
  const whole = await sock.scan({ scan_id: 'gm-group', code });
  expect(whole).toMatchObject({
    verdict: 'success',
    gate_id: groupGate.id,
    group: { id: g.id, tickets: 3, admitted: 2, already_checked_in: 1, refused: 0 },
  });
  const again = await sock.scan({ scan_id: 'gm-group-2', code });
  expect(again).toMatchObject({ verdict: 'already_checked_in', group: { admitted: 0, already_checked_in: 3 } });
  // The same scan re-sent replays its verdict and counts nothing.
  expect(await sock.scan({ scan_id: 'gm-group', code })).toMatchObject({ replayed: true, group: { admitted: 2 } });
  // A gate not set to admit group codes does not know the code.
  expect(await sock.scan({ scan_id: 'gm-plain', code, gate_id: plainGate.id })).toMatchObject({
    verdict: 'invalid',
    reason: 'unknown_code',
  });
  await sock.close();

  const ids = tickets.map((tk) => tk.id);
  expect(await h.owner('checkin_presence').whereIn('ticket_id', ids)).toHaveLength(3);
  const [{ n }] = await h
    .owner('checkin_scans')
    .whereIn('ticket_id', ids)
    .andWhere({ verdict: 'success' })
    .count<{ n: string }[]>('* as n');
  expect(Number(n)).toBe(3);
}, 180_000);
