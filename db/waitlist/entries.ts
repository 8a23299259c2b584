import type { Tx } from '../connection';
import { emit } from '../platform/outbox';

export const WAITLIST_STATUSES = ['waiting', 'notified', 'purchased', 'expired', 'cancelled'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

export interface WaitlistEntryRow {
  id: number;
  tenant_id: string;
  event_id: number;
  ticket_type_id: number;
  customer_id: number;
  email: string;
  quantity: number;
  priority: number;
  status: WaitlistStatus;
  held_quantity: number;
  notified_at: Date | null;
  expires_at: Date | null;
  order_id: number | null;
  auto_purchase_max_minor: number | null;
  auto_purchase_payment_method: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface QueuePlace {
  position: number | null;
  waiting: number;
}

/** Past this many entries on one side of an entry, its place is counted from the other side. */
export const POSITION_SCAN_LIMIT = 1000;

/** 1-based place from the number waiting and the number behind. */
export const placeFrom = (waiting: number, behind: number): QueuePlace => ({ position: waiting - behind, waiting });

export async function getEntry(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<WaitlistEntryRow | undefined> {
  const q = tx<WaitlistEntryRow>('waitlist_entries').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

/**
 * 1-based place among the waiting entries of the same ticket type; null once the entry is no
 * longer waiting. The total comes from `waitlist_counts`, so only the entries behind the entry
 * are counted (a handful for a fresh join), or those ahead of it when that side is shorter.
 */
export async function entryPosition(tx: Tx, entry: WaitlistEntryRow): Promise<QueuePlace> {
  const queue = (side: '<' | '>') =>
    tx('waitlist_entries')
      .where({ event_id: entry.event_id, ticket_type_id: entry.ticket_type_id, status: 'waiting' })
      .whereRaw(`(priority, id) ${side} (?::bigint, ?::bigint)`, [entry.priority, entry.id]);
  const [{ waiting, behind }] = (await tx.queryBuilder().select({
    waiting: tx('waitlist_counts')
      .where({ ticket_type_id: entry.ticket_type_id })
      .select(tx.raw('coalesce(sum(waiting), 0)::int')),
    behind:
      entry.status === 'waiting'
        ? tx
            .queryBuilder()
            .from(queue('>').select(tx.raw('1')).limit(POSITION_SCAN_LIMIT).as('b'))
            .select(tx.raw('count(*)::int'))
        : tx.raw('0'),
  })) as { waiting: number; behind: number }[];
  if (entry.status !== 'waiting') return { position: null, waiting };
  if (behind < POSITION_SCAN_LIMIT) return placeFrom(waiting, behind);
  const [{ ahead }] = (await queue('<').select(tx.raw('count(*)::int as ahead'))) as { ahead: number }[];
  return { position: ahead + 1, waiting };
}

export async function listEntries(
  tx: Tx,
  filter: { eventId: number; status?: WaitlistStatus; after?: number; limit: number },
): Promise<WaitlistEntryRow[]> {
  const q = tx<WaitlistEntryRow>('waitlist_entries')
    .where({ event_id: filter.eventId })
    .orderBy([{ column: 'priority' }, { column: 'id' }])
    .limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  // The cursor is the last entry's id; queue order continues after that entry's (priority, id).
  if (filter.after)
    q.whereRaw('(priority, id) > (select priority, id from waitlist_entries where id = ?)', [filter.after]);
  return q;
}

/** The hold becomes an order: the entry is done and its seats now belong to `orderId`. */
export async function markEntryPurchased(
  tx: Tx,
  tenantId: string,
  entry: WaitlistEntryRow,
  orderId: number,
): Promise<WaitlistEntryRow> {
  const [row] = await tx('waitlist_entries')
    .where({ id: entry.id })
    .update({ status: 'purchased', held_quantity: 0, order_id: orderId, updated_at: tx.fn.now() })
    .returning('*');
  await emit(tx, tenantId, {
    type: 'waitlist.purchased',
    aggregateType: 'waitlist_entry',
    aggregateId: entry.id,
    payload: { entry_id: entry.id, event_id: entry.event_id, order_id: orderId },
  });
  return row;
}

export async function cancelWaitingEntry(tx: Tx, entry: WaitlistEntryRow): Promise<void> {
  await tx('waitlist_entries').where({ id: entry.id }).update({ status: 'cancelled', updated_at: tx.fn.now() });
}
