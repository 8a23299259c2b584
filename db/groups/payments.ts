import type { Tx } from '../connection';
import { conflict, unprocessable } from '../../lib/errors';
import { getCustomer } from '../customers/customers';
import { releaseInventory, syncSoldOutStatus } from '../events/inventory';
import { emit } from '../platform/outbox';
import { insertTickets } from '../tickets/tickets';
import { countByType, getGroup, listMembers, type GroupMemberRow, type GroupRow } from './groups';

export type GroupPaymentStatus = 'pending' | 'succeeded' | 'failed' | 'refund_due' | 'refunded';

export interface GroupPaymentRow {
  id: number;
  tenant_id: string;
  group_id: number;
  member_ids: number[];
  payer: 'leader' | 'member';
  amount_minor: number;
  currency: string;
  provider: string;
  provider_ref: string | null;
  idempotency_key: string;
  status: GroupPaymentStatus;
  paid_at: Date | null;
  /** The refunds-module request the share was refunded through (db/groups/share-refunds.ts). */
  refund_request_id: number | null;
  created_at: Date;
  updated_at: Date;
}

const owes = (m: GroupMemberRow): boolean => m.status !== 'released' && m.paid_at === null;

export async function listGroupPayments(tx: Tx, groupId: number): Promise<GroupPaymentRow[]> {
  return tx<GroupPaymentRow>('group_payments').where({ group_id: groupId }).orderBy('id');
}

export async function getGroupPayment(tx: Tx, id: number): Promise<GroupPaymentRow | undefined> {
  return tx<GroupPaymentRow>('group_payments').where({ id }).first();
}

/**
 * Opens a share: the seats one payment covers (a member's own, or any the leader pays), checked against the
 * group's payment mode. Its idempotency key names the group, the seats and the attempt, so a retried call to the
 * provider never charges twice, while a new attempt after a failure is a payment of its own.
 */
export async function openShare(
  tx: Tx,
  tenantId: string,
  group: GroupRow,
  input: { memberIds: number[]; payer: 'leader' | 'member'; provider: string },
): Promise<GroupPaymentRow> {
  if (group.status !== 'confirmed' || group.order_id === null)
    throw conflict(
      'group_not_payable',
      `Group ${group.id} is ${group.status === 'held' ? 'not ordered yet' : group.status}`,
    );
  if (group.payment_mode === 'leader' && input.payer === 'member')
    throw unprocessable('leader_pays_all', 'In this group the leader pays every seat');
  if (group.payment_mode === 'members' && input.payer === 'leader')
    throw unprocessable('members_pay_own', 'In this group each member pays their own share');
  if (input.payer === 'member' && input.memberIds.length !== 1)
    throw unprocessable('one_share_per_member', 'A member pays exactly their own seat');
  const members = new Map((await listMembers(tx, group.id)).map((m) => [m.id, m]));
  const seats = input.memberIds.map((id) => members.get(id));
  const unknown = input.memberIds.filter((_, i) => !seats[i]);
  if (unknown.length) throw unprocessable('unknown_member', 'Not a member of this group', { member_ids: unknown });
  const settled = seats.filter((m) => m && !owes(m)).map((m) => m?.id);
  if (settled.length) throw conflict('share_not_owed', 'Those seats are paid or released', { member_ids: settled });
  const ids = [...input.memberIds].sort((a, b) => a - b);
  const [{ attempts }] = (await tx('group_payments')
    .where({ group_id: group.id })
    .whereRaw('member_ids && ?::bigint[]', [ids])
    .count({ attempts: '*' })) as { attempts: string }[];
  const [row] = (await tx('group_payments')
    .insert({
      tenant_id: tenantId,
      group_id: group.id,
      member_ids: ids,
      payer: input.payer,
      amount_minor: seats.reduce((s, m) => s + (m?.price_minor ?? 0), 0),
      currency: group.currency?.trim(),
      provider: input.provider,
      idempotency_key: `group-share-${tenantId}-${group.id}-${ids.join('.')}-${Number(attempts) + 1}`,
    })
    .returning('*')) as GroupPaymentRow[];
  return row;
}

/**
 * Records what the provider said about a share. Taken under the group's row lock, the same lock the deadline's
 * release takes, so a payment arriving at the deadline is decided once: its seats are still owed and it is kept
 * (tickets issued), or they were released first and it becomes `refund_due`. It is never lost.
 */
export async function settleShare(
  tx: Tx,
  tenantId: string,
  paymentId: number,
  result: { reference: string; succeeded: boolean },
): Promise<GroupPaymentRow> {
  const pending = await getGroupPayment(tx, paymentId);
  if (!pending) throw new Error(`group payment ${paymentId} vanished`);
  const group = (await getGroup(tx, pending.group_id, { lock: true })) as GroupRow;
  const payment = (await tx<GroupPaymentRow>('group_payments')
    .where({ id: paymentId })
    .forUpdate()
    .first()) as GroupPaymentRow;
  if (payment.status !== 'pending') return payment;
  const update = (status: GroupPaymentStatus) =>
    tx('group_payments')
      .where({ id: paymentId })
      .update({
        status,
        provider_ref: result.reference,
        paid_at: result.succeeded ? tx.fn.now() : null,
        updated_at: tx.fn.now(),
      })
      .returning('*')
      .then((rows: GroupPaymentRow[]) => rows[0]);
  if (!result.succeeded) return update('failed');
  // bigint[] elements come back from pg as strings.
  const covered = new Set(payment.member_ids.map(Number));
  const members = (await listMembers(tx, group.id, { lock: true })).filter((m) => covered.has(Number(m.id)));
  if (members.length !== covered.size) throw new Error(`group payment ${paymentId} names seats not in its group`);
  if (group.status === 'cancelled' || members.some((m) => !owes(m))) return update('refund_due');

  const leader = await getCustomer(tx, group.leader_customer_id);
  const tickets = await insertTickets(
    tx,
    tenantId,
    members.map((m) => ({
      event_id: group.event_id,
      order_id: group.order_id as number,
      ticket_type_id: m.ticket_type_id,
      customer_id: m.customer_id ?? group.leader_customer_id,
      holder_name: m.name ?? leader?.name ?? null,
      holder_email: m.email ?? leader?.email ?? null,
    })),
  );
  for (const [i, m] of members.entries())
    await tx('group_members')
      .where({ id: m.id })
      .update({ paid_at: tx.fn.now(), ticket_id: tickets[i].id, updated_at: tx.fn.now() });
  const paid = await update('succeeded');
  await emit(tx, tenantId, {
    type: 'group.share_paid',
    aggregateType: 'group',
    aggregateId: group.id,
    payload: {
      group_id: group.id,
      event_id: group.event_id,
      payment_id: paid.id,
      payer: paid.payer,
      member_ids: members.map((m) => Number(m.id)),
      amount_minor: paid.amount_minor,
      ticket_ids: tickets.map((t) => t.id),
    },
  });
  if (!(await listMembers(tx, group.id)).some(owes))
    await tx('groups').where({ id: group.id }).update({ status: 'completed', updated_at: tx.fn.now() });
  return paid;
}

/**
 * Gives the unpaid seats of a group back to sale (the deadline passed, or the group was cancelled): members who
 * paid keep their tickets. The group is locked, so a share being settled meanwhile waits and then finds its seat
 * released. Releasing twice releases nothing more. When the event was sold out, it goes back on sale and the
 * waitlist is offered the seats first (its `event.back_on_sale` trigger).
 */
export async function releaseUnpaidSeats(
  tx: Tx,
  tenantId: string,
  groupId: number,
  reason: 'deadline' | 'cancelled',
): Promise<{ group: GroupRow; releasedMemberIds: number[] }> {
  // --- set-based release (groups-gate) ---
  const group = (await getGroup(tx, groupId, { lock: true })) as GroupRow;
  // One statement releases every unpaid seat (the deadline of 1,000 groups at once is this, 1,000 times).
  const { rows: unpaid } = await tx.raw<{ rows: { id: string; ticket_type_id: string }[] }>(
    `update group_members set status = 'released', updated_at = now()
      where group_id = ? and status <> 'released' and paid_at is null
      returning id, ticket_type_id`,
    [groupId],
  );
  const ids = unpaid.map((m) => Number(m.id)).sort((a, b) => a - b);
  const status = reason === 'cancelled' ? 'cancelled' : group.status === 'held' ? 'expired' : 'completed';
  const [updated] = (await tx('groups')
    .where({ id: groupId })
    .update({ status, updated_at: tx.fn.now() })
    .returning('*')) as GroupRow[];
  if (ids.length)
    await emit(tx, tenantId, {
      type: 'group.seats_released',
      aggregateType: 'group',
      aggregateId: groupId,
      payload: { group_id: groupId, event_id: group.event_id, member_ids: ids, reason },
    });
  // The ticket types and the event, the rows every group of the event shares, are taken last: held the shortest.
  const byType = countByType(unpaid.map((m) => ({ ticketTypeId: Number(m.ticket_type_id) })));
  for (const [id, n] of [...byType.entries()].sort((a, b) => a[0] - b[0])) await releaseInventory(tx, id, n);
  if (ids.length) await syncSoldOutStatus(tx, tenantId, group.event_id);
  // --- end set-based release (groups-gate) ---
  return { group: updated, releasedMemberIds: ids };
}

/** Shares whose money must go back: paid after their seats were released, or paid into a cancelled group. */
export async function sharesToRefund(tx: Tx, groupId: number, cancelled: boolean): Promise<GroupPaymentRow[]> {
  return tx<GroupPaymentRow>('group_payments')
    .where({ group_id: groupId })
    .whereIn('status', cancelled ? ['refund_due', 'succeeded'] : ['refund_due'])
    .orderBy('id');
}

export async function announceCancelled(tx: Tx, tenantId: string, groupId: number, refundIds: number[]): Promise<void> {
  const group = (await getGroup(tx, groupId)) as GroupRow;
  await emit(tx, tenantId, {
    type: 'group.cancelled',
    aggregateType: 'group',
    aggregateId: groupId,
    payload: { group_id: groupId, event_id: group.event_id, refund_payment_ids: refundIds },
  });
}
