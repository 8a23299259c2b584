import type { Tx } from '../connection';
import { releaseInventory, syncSoldOutStatus } from '../events/inventory';

/**
 * Gives back the seats of requests approved with `seats_pending` (see `approveRefundRequest`), once
 * each: the flag is cleared under the requests' row locks (taken in id order), then each ticket type
 * is decremented once for the whole batch and each event's sold-out status synced once. Ticket types
 * and events are locked last, as order placement does, and only for the end of this transaction.
 */
export async function releasePendingSeats(tx: Tx, tenantId: string, requestIds: number[]): Promise<void> {
  if (!requestIds.length) return;
  const owed = (await tx('refund_requests')
    .whereIn('id', requestIds)
    .andWhere({ seats_pending: true })
    .orderBy('id')
    .forUpdate()
    .select('id')) as { id: number }[];
  if (!owed.length) return;
  const ids = owed.map((r) => r.id);
  await tx('refund_requests').whereIn('id', ids).update({ seats_pending: false });
  const seats = (await tx('refund_request_tickets as rt')
    .join('tickets as t', 't.id', 'rt.ticket_id')
    .whereIn('rt.request_id', ids)
    .groupBy('t.ticket_type_id', 't.event_id')
    .orderBy('t.ticket_type_id')
    .select('t.ticket_type_id', 't.event_id', tx.raw('count(*)::int as n'))) as {
    ticket_type_id: number;
    event_id: number;
    n: number;
  }[];
  for (const s of seats) await releaseInventory(tx, s.ticket_type_id, s.n);
  for (const eventId of [...new Set(seats.map((s) => s.event_id))].sort((a, b) => a - b))
    await syncSoldOutStatus(tx, tenantId, eventId);
}
