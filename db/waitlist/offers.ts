import type { Tx } from '../connection';
import { AppError } from '../../lib/errors';
import { getEvent } from '../events/events';
import { syncSoldOutStatus } from '../events/inventory';
import type { TicketTypeRow } from '../events/ticket-types';
import { queueEmails } from '../platform/mail';
import { emit } from '../platform/outbox';
import type { WaitlistEntryRow } from './entries';
import { loadWaitlistSettings } from './settings';

export interface Offer {
  entryId: number;
  eventId: number;
  ticketTypeId: number;
  quantity: number;
  expiresAt: Date;
}

/**
 * Offers whatever is free of each ticket type to the next waiting entries in queue order: the
 * seats are held (counted in `sold`, so nobody else can buy them), each entry is e-mailed, and a
 * `waitlist.offers_made` event per ticket type asks the worker to start the purchase-window workflows. The ticket
 * type row is locked, so concurrent releases never offer the same seat twice. An entry wanting
 * more than is free keeps its place and waits for more.
 */
export async function offerAvailable(
  tx: Tx,
  tenantId: string,
  input: { eventId: number; ticketTypeId?: number; maxEntries?: number; now?: Date },
): Promise<Offer[]> {
  const event = await getEvent(tx, input.eventId);
  if (!event || !['on_sale', 'sold_out'].includes(event.status)) return [];
  const settings = await loadWaitlistSettings(tx);
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + settings.offerWindowS * 1000);
  const types = await tx<TicketTypeRow>('ticket_types')
    .where({ event_id: input.eventId })
    .modify((q) => {
      if (input.ticketTypeId) q.where({ id: input.ticketTypeId });
    })
    .orderBy('id')
    .forUpdate();
  let budget = input.maxEntries ?? Number.MAX_SAFE_INTEGER;
  const offers: Offer[] = [];
  for (const tt of types) {
    let available = tt.inventory - tt.sold;
    if (available <= 0 || budget <= 0) continue;
    const candidates = await tx<WaitlistEntryRow>('waitlist_entries')
      .where({ event_id: input.eventId, ticket_type_id: tt.id, status: 'waiting' })
      .orderBy([{ column: 'priority' }, { column: 'id' }])
      .limit(Math.min(available, budget) + 20)
      .forUpdate()
      .skipLocked();
    const chosen: WaitlistEntryRow[] = [];
    for (const c of candidates) {
      if (available <= 0 || chosen.length >= budget) break;
      if (c.quantity > available) continue;
      chosen.push(c);
      available -= c.quantity;
    }
    if (!chosen.length) continue;
    budget -= chosen.length;
    await tx('ticket_types')
      .where({ id: tt.id })
      .increment(
        'sold',
        chosen.reduce((s, c) => s + c.quantity, 0),
      );
    await tx('waitlist_entries')
      .whereIn(
        'id',
        chosen.map((c) => c.id),
      )
      .update({
        status: 'notified',
        held_quantity: tx.raw('quantity'),
        notified_at: now,
        expires_at: expiresAt,
        updated_at: now,
      });
    // Announced before the e-mails are queued, so the dispatcher starts the windows first.
    await emit(tx, tenantId, {
      type: 'waitlist.offers_made',
      aggregateType: 'event',
      aggregateId: input.eventId,
      payload: {
        event_id: input.eventId,
        ticket_type_id: tt.id,
        entry_ids: chosen.map((c) => c.id),
        window_ms: settings.offerWindowS * 1000,
      },
    });
    offers.push(
      ...chosen.map((c) => ({
        entryId: c.id,
        eventId: input.eventId,
        ticketTypeId: tt.id,
        quantity: c.quantity,
        expiresAt,
      })),
    );
    await queueEmails(
      tx,
      tenantId,
      chosen.map((c) => ({
        idempotencyKey: `waitlist-offer-${c.id}`,
        to: c.email,
        subject: `Tickets for ${event.name} are waiting for you`,
        text:
          `Good news: ${c.quantity} x ${tt.name} for ${event.name} are held for you until ${expiresAt.toISOString()}. ` +
          `Complete your purchase before then (waitlist entry ${c.id}); afterwards they go to the next person in line.`,
      })),
    );
  }
  if (offers.length) await syncSoldOutStatus(tx, tenantId, input.eventId);
  return offers;
}

/**
 * Ends an open offer without a purchase (it expired, or the entry left): the held seats go back
 * and straight to the next entries in line. Returns the offers that made.
 */
export async function closeOffer(
  tx: Tx,
  tenantId: string,
  entry: WaitlistEntryRow,
  status: 'expired' | 'cancelled',
): Promise<Offer[]> {
  if (entry.status !== 'notified')
    throw new AppError(409, 'offer_not_active', `Waitlist entry ${entry.id} is ${entry.status}`);
  await tx('ticket_types').where({ id: entry.ticket_type_id }).decrement('sold', entry.held_quantity);
  await tx('waitlist_entries').where({ id: entry.id }).update({ status, held_quantity: 0, updated_at: tx.fn.now() });
  await emit(tx, tenantId, {
    type: `waitlist.offer_${status}`,
    aggregateType: 'waitlist_entry',
    aggregateId: entry.id,
    payload: { entry_id: entry.id, event_id: entry.event_id },
  });
  const offers = await offerAvailable(tx, tenantId, { eventId: entry.event_id, ticketTypeId: entry.ticket_type_id });
  if (!offers.length) await syncSoldOutStatus(tx, tenantId, entry.event_id);
  return offers;
}
