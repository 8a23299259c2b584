import type { Tx } from '../connection';
import { statusAfterInventoryChange } from '../../domain/events/lifecycle';
import { emit } from '../platform/outbox';
import type { EventRow } from './events';

/** Sum of inventory of an event's ticket types, optionally leaving one type out (it is being resized). */
export async function allocatedInventory(tx: Tx, eventId: number, exceptTicketTypeId?: number): Promise<number> {
  const q = tx('ticket_types').where({ event_id: eventId }).sum<{ total: string | null }[]>({ total: 'inventory' });
  if (exceptTicketTypeId) q.whereNot({ id: exceptTicketTypeId });
  const [{ total }] = await q;
  return Number(total ?? 0);
}

/**
 * Counts `quantity` more tickets of a type as sold when they still fit (`sold + n <= inventory`):
 * Postgres, not the process, decides who gets the last ticket. Undefined when they do not fit.
 */
export async function takeInventory(
  tx: Tx,
  ticketTypeId: number,
  quantity: number,
): Promise<{ sold: number; inventory: number } | undefined> {
  const [row] = await tx('ticket_types')
    .where({ id: ticketTypeId })
    .andWhereRaw('sold + ? <= inventory', [quantity])
    .increment('sold', quantity)
    .returning(['sold', 'inventory']);
  return row;
}

/** Gives `quantity` sold tickets of a type back to its inventory. */
export async function releaseInventory(tx: Tx, ticketTypeId: number, quantity: number): Promise<void> {
  await tx('ticket_types').where({ id: ticketTypeId }).decrement('sold', quantity);
}

/**
 * Moves the event between on_sale and sold_out as its stock changes, announcing sell-outs.
 * Called after every reservation or release. The event row is locked `for no key update`, the
 * lock an update of its status needs: `for update` would also wait on the key-share locks that
 * every insert referencing the event holds (orders, tickets, refund requests), so two orders of
 * the event, each holding its ticket type and a key-share lock, would deadlock.
 */
export async function syncSoldOutStatus(tx: Tx, tenantId: string, eventId: number): Promise<void> {
  const [event] = await tx<EventRow>('events').where({ id: eventId }).forNoKeyUpdate().select('status');
  const [{ remaining, inventory }] = (await tx('ticket_types')
    .where({ event_id: eventId })
    .select(
      tx.raw('coalesce(sum(inventory - sold), 0)::int as remaining'),
      tx.raw('coalesce(sum(inventory), 0)::int as inventory'),
    )) as unknown as { remaining: number; inventory: number }[];
  const next = statusAfterInventoryChange(event.status, remaining, inventory);
  if (next === event.status) return;
  await tx('events').where({ id: eventId }).update({ status: next, updated_at: tx.fn.now() });
  if (next === 'sold_out') {
    await emit(tx, tenantId, {
      type: 'event.sold_out',
      aggregateType: 'event',
      aggregateId: eventId,
      payload: { event_id: eventId },
    });
  } else {
    await emit(tx, tenantId, {
      type: 'event.back_on_sale',
      aggregateType: 'event',
      aggregateId: eventId,
      payload: { event_id: eventId, remaining },
    });
  }
}
