import type { Tx } from '../connection';
import { getCustomer } from '../customers/customers';
import { queueEmails } from '../platform/mail';
import { formatMailDate, formatMoney } from '../../domain/season/renewal-mail';
import { getGroup, listMembers, type GroupMemberRow, type GroupRow } from './groups';
import { releaseUnpaidSeats } from './payments';

const owes = (m: GroupMemberRow): boolean => m.status !== 'released' && m.paid_at === null;

export async function owedSeats(tx: Tx, groupId: number): Promise<GroupMemberRow[]> {
  return (await listMembers(tx, groupId)).filter(owes);
}

/**
 * E-mails each member who still owes their own share, once per reminder round (the key names member and round).
 * Seats the leader covers are the leader's to pay, so their members are not chased. Returns the seats still owed.
 */
export async function remindOwingMembers(
  tx: Tx,
  tenantId: string,
  groupId: number,
  round: { offsetMs: number; deadlineAt: string },
): Promise<number> {
  const group = (await getGroup(tx, groupId)) as GroupRow;
  const owed = await owedSeats(tx, groupId);
  const currency = group.currency?.trim() ?? 'EUR';
  await queueEmails(
    tx,
    tenantId,
    owed
      .filter((m) => m.email && !m.covered_by_leader)
      .map((m) => ({
        idempotencyKey: `group-reminder-${m.id}-${round.offsetMs}`,
        to: m.email as string,
        subject: `${group.name}: your share is due ${formatMailDate(round.deadlineAt)}`,
        text:
          `Hello ${m.name ?? ''},\n\nYour seat in ${group.name} costs ${formatMoney(m.price_minor ?? 0, currency)}. ` +
          `Please pay before ${formatMailDate(round.deadlineAt)}; unpaid seats are released after the deadline.`,
      })),
  );
  return owed.length;
}

/** At the deadline: tells the leader which seats are unpaid, what they cost and when they will be released. */
export async function askLeaderToPay(tx: Tx, tenantId: string, groupId: number, graceEndsAt: string): Promise<number> {
  const group = (await getGroup(tx, groupId)) as GroupRow;
  const owed = await owedSeats(tx, groupId);
  const leader = await getCustomer(tx, group.leader_customer_id);
  if (!owed.length || !leader?.email) return owed.length;
  const total = owed.reduce((s, m) => s + (m.price_minor ?? 0), 0);
  await queueEmails(tx, tenantId, [
    {
      idempotencyKey: `group-leader-due-${groupId}`,
      to: leader.email,
      subject: `${group.name}: ${owed.length} seat(s) unpaid`,
      text:
        `The payment deadline of ${group.name} passed with ${owed.length} seat(s) unpaid ` +
        `(${formatMoney(total, group.currency?.trim() ?? 'EUR')}): ` +
        `${owed.map((m) => m.name ?? m.email ?? `seat ${m.id}`).join(', ')}.\n` +
        `Pay them before ${formatMailDate(graceEndsAt)} to keep them; afterwards they are released.`,
    },
  ]);
  return owed.length;
}

/**
 * Ends a group's hold: a group still held without an order gives every seat back (it becomes `expired`). Under
 * the group's lock, which the bulk order takes too, so an order racing the expiry either came first (nothing is
 * released: null) or finds the group expired.
 */
export async function expireHold(tx: Tx, tenantId: string, groupId: number): Promise<number[] | null> {
  const group = await getGroup(tx, groupId, { lock: true });
  if (!group || group.status !== 'held' || group.order_id !== null) return null;
  return (await releaseUnpaidSeats(tx, tenantId, groupId, 'deadline')).releasedMemberIds;
}
