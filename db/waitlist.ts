import { randomBytes } from 'node:crypto';
import { connectionOf, prepared, type Tx } from './connection';
import { AppError, conflict, notFound, unprocessable } from '../lib/errors';
import { queuePriority, type WaitlistMode } from '../domain/waitlist/ordering';
import { parseWaitlistSettings, type WaitlistSettings } from '../domain/waitlist/settings';
import { getEvent, syncSoldOutStatus, type EventRow, type TicketTypeRow } from './events';
import { queueEmails } from './mail';
import { emit } from './outbox';
import { getModule } from './platform';

export const WAITLIST_STATUSES = ['waiting', 'notified', 'purchased', 'expired', 'cancelled'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

export interface WaitlistEntryRow {
  id: number; tenant_id: string; event_id: number; ticket_type_id: number; customer_id: number; email: string;
  quantity: number; priority: number; status: WaitlistStatus; held_quantity: number; notified_at: Date | null;
  expires_at: Date | null; order_id: number | null; auto_purchase_max_minor: number | null;
  auto_purchase_payment_method: string | null; created_at: Date; updated_at: Date;
}

export interface WaitlistSettingsRow {
  event_id: number; tenant_id: string; mode: WaitlistMode; seed: string; open: boolean; opened_at: Date | null; updated_at: Date;
}

/** The tenant's waitlist and resale rules from the `waitlist` module settings. */
export async function loadWaitlistSettings(tx: Tx): Promise<WaitlistSettings> {
  return parseWaitlistSettings((await getModule(tx, 'waitlist'))?.settings);
}

export async function getEventWaitlist(tx: Tx, eventId: number): Promise<WaitlistSettingsRow | undefined> {
  return tx<WaitlistSettingsRow>('waitlist_settings').where({ event_id: eventId }).first();
}

/**
 * Creates or changes an event's waitlist. The lottery seed is drawn once, when the waitlist is
 * created, and never changes: entries' priorities are derived from it at join time.
 */
export async function configureEventWaitlist(tx: Tx, tenantId: string, eventId: number, patch: { mode?: WaitlistMode; open?: boolean }): Promise<WaitlistSettingsRow> {
  const existing = await getEventWaitlist(tx, eventId);
  if (existing && patch.mode && patch.mode !== existing.mode && await tx('waitlist_entries').where({ event_id: eventId }).first('id')) {
    throw conflict('waitlist_mode_locked', 'The queue order cannot change once people have joined');
  }
  const openedAt = patch.open && !existing?.open ? tx.fn.now() : undefined;
  const [row] = await tx('waitlist_settings')
    .insert({ tenant_id: tenantId, event_id: eventId, seed: randomBytes(16).toString('hex'), mode: patch.mode ?? 'first_come', open: patch.open ?? false, opened_at: openedAt ?? null })
    .onConflict('event_id')
    .merge({ ...(patch.mode ? { mode: patch.mode } : {}), ...(patch.open !== undefined ? { open: patch.open } : {}), ...(openedAt ? { opened_at: openedAt } : {}), updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export interface JoinInput {
  eventId: number; ticketTypeId: number; customerId: number; quantity: number;
  autoPurchase?: { maxPriceMinor: number; paymentMethod: string };
}

const JOIN_CONTEXT = `
  select nextval(pg_get_serial_sequence('waitlist_entries', 'id'))::bigint as id, e.status as event_status,
    exists (select 1 from ticket_types t where t.id = $2 and t.event_id = e.id) as type_ok, w.open, w.mode, w.seed
  from events e left join waitlist_settings w on w.event_id = e.id where e.id = $1`;

/** What a join checks, read in one statement; the waitlist columns are null while the event has none. */
interface JoinContext {
  id: number; event_status: EventRow['status']; type_ok: boolean;
  open: boolean | null; mode: WaitlistMode | null; seed: string | null;
}

export interface QueuePlace { position: number | null; waiting: number }

/**
 * Adds an entry at the back of the queue (first-come) or at its drawn place (random). A join is
 * the hot path of a sell-out, so it is two statements: the checks with the new id, then the insert,
 * which also counts the waiting entries and those behind the new one for its place in line.
 */
export async function joinWaitlist(tx: Tx, tenantId: string, input: JoinInput): Promise<{ entry: WaitlistEntryRow; place: QueuePlace }> {
  // The id is drawn up front because a random draw's priority is derived from it.
  const connection = await connectionOf(tx);
  const [found] = await prepared<JoinContext>(connection, 'usher_waitlist_join_context', JOIN_CONTEXT, [input.eventId, input.ticketTypeId]);
  if (!found) throw notFound('Event');
  if (!found.type_ok) throw unprocessable('unknown_ticket_type', `Ticket type ${input.ticketTypeId} does not belong to this event`);
  // The organiser's choice wins; without one, a sold-out event takes joins (its trigger may still be on the way).
  if (!(found.open ?? found.event_status === 'sold_out')) throw unprocessable('waitlist_closed', 'The waitlist for this event is not open');
  const settings = found.mode && found.seed ? { mode: found.mode, seed: found.seed } : await configureEventWaitlist(tx, tenantId, input.eventId, { open: true });
  const insert = tx('waitlist_entries').insert({
    id: found.id, tenant_id: tenantId, event_id: input.eventId, ticket_type_id: input.ticketTypeId, customer_id: input.customerId,
    email: tx('customers').where({ id: input.customerId }).select('email'), quantity: input.quantity,
    priority: queuePriority(settings.mode, settings.seed, found.id),
    auto_purchase_max_minor: input.autoPurchase?.maxPriceMinor ?? null, auto_purchase_payment_method: input.autoPurchase?.paymentMethod ?? null,
  }).onConflict(tx.raw("(tenant_id, ticket_type_id, customer_id) where status in ('waiting', 'notified')")).ignore().returning('*');
  // The statement's snapshot holds neither the new entry nor its count: both are added here.
  const { sql, bindings } = insert.toSQL().toNative();
  const [row] = await prepared<WaitlistEntryRow & { waiting_before: number; behind: number }>(connection, 'usher_waitlist_join_insert', `
    with entry as (${sql})
    select entry.*,
      (select coalesce(sum(c.waiting), 0)::int from waitlist_counts c where c.ticket_type_id = entry.ticket_type_id) as waiting_before,
      (select count(*)::int from (select 1 from waitlist_entries e
        where e.event_id = entry.event_id and e.ticket_type_id = entry.ticket_type_id and e.status = 'waiting' and (e.priority, e.id) > (entry.priority, entry.id)
        limit ${POSITION_SCAN_LIMIT}) b) as behind
    from entry`, [...bindings]);
  if (!row) throw conflict('already_on_waitlist', 'This customer is already on the waitlist for this ticket type');
  const { waiting_before: waitingBefore, behind, ...entry } = row;
  return { entry, place: behind < POSITION_SCAN_LIMIT ? placeFrom(waitingBefore + 1, behind) : await entryPosition(tx, entry) };
}

/** 1-based place from the number waiting and the number behind. */
const placeFrom = (waiting: number, behind: number): QueuePlace => ({ position: waiting - behind, waiting });

export async function getEntry(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<WaitlistEntryRow | undefined> {
  const q = tx<WaitlistEntryRow>('waitlist_entries').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

/** Past this many entries on one side of an entry, its place is counted from the other side. */
const POSITION_SCAN_LIMIT = 1000;

/**
 * 1-based place among the waiting entries of the same ticket type; null once the entry is no
 * longer waiting. The total comes from `waitlist_counts`, so only the entries behind the entry
 * are counted (a handful for a fresh join), or those ahead of it when that side is shorter.
 */
export async function entryPosition(tx: Tx, entry: WaitlistEntryRow): Promise<QueuePlace> {
  const queue = (side: '<' | '>') => tx('waitlist_entries')
    .where({ event_id: entry.event_id, ticket_type_id: entry.ticket_type_id, status: 'waiting' })
    .whereRaw(`(priority, id) ${side} (?::bigint, ?::bigint)`, [entry.priority, entry.id]);
  const [{ waiting, behind }] = await tx.queryBuilder().select({
    waiting: tx('waitlist_counts').where({ ticket_type_id: entry.ticket_type_id }).select(tx.raw('coalesce(sum(waiting), 0)::int')),
    behind: entry.status === 'waiting'
      ? tx.queryBuilder().from(queue('>').select(tx.raw('1')).limit(POSITION_SCAN_LIMIT).as('b')).select(tx.raw('count(*)::int'))
      : tx.raw('0'),
  }) as { waiting: number; behind: number }[];
  if (entry.status !== 'waiting') return { position: null, waiting };
  if (behind < POSITION_SCAN_LIMIT) return placeFrom(waiting, behind);
  const [{ ahead }] = await queue('<').select(tx.raw('count(*)::int as ahead')) as { ahead: number }[];
  return { position: ahead + 1, waiting };
}

export async function listEntries(tx: Tx, filter: { eventId: number; status?: WaitlistStatus; after?: number; limit: number }): Promise<WaitlistEntryRow[]> {
  const q = tx<WaitlistEntryRow>('waitlist_entries').where({ event_id: filter.eventId }).orderBy([{ column: 'priority' }, { column: 'id' }]).limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  // The cursor is the last entry's id; queue order continues after that entry's (priority, id).
  if (filter.after) q.whereRaw('(priority, id) > (select priority, id from waitlist_entries where id = ?)', [filter.after]);
  return q;
}

export interface Offer { entryId: number; eventId: number; ticketTypeId: number; quantity: number; expiresAt: Date }

/**
 * Offers whatever is free of each ticket type to the next waiting entries in queue order: the
 * seats are held (counted in `sold`, so nobody else can buy them), each entry is e-mailed, and a
 * `waitlist.offers_made` event per ticket type asks the worker to start the purchase-window workflows. The ticket
 * type row is locked, so concurrent releases never offer the same seat twice. An entry wanting
 * more than is free keeps its place and waits for more.
 */
export async function offerAvailable(tx: Tx, tenantId: string, input: { eventId: number; ticketTypeId?: number; maxEntries?: number; now?: Date }): Promise<Offer[]> {
  const event = await getEvent(tx, input.eventId);
  if (!event || !['on_sale', 'sold_out'].includes(event.status)) return [];
  const settings = await loadWaitlistSettings(tx);
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + settings.offerWindowS * 1000);
  const types = await tx<TicketTypeRow>('ticket_types').where({ event_id: input.eventId })
    .modify((q) => { if (input.ticketTypeId) q.where({ id: input.ticketTypeId }); })
    .orderBy('id').forUpdate();
  let budget = input.maxEntries ?? Number.MAX_SAFE_INTEGER;
  const offers: Offer[] = [];
  for (const tt of types) {
    let available = tt.inventory - tt.sold;
    if (available <= 0 || budget <= 0) continue;
    const candidates = await tx<WaitlistEntryRow>('waitlist_entries')
      .where({ event_id: input.eventId, ticket_type_id: tt.id, status: 'waiting' })
      .orderBy([{ column: 'priority' }, { column: 'id' }]).limit(Math.min(available, budget) + 20)
      .forUpdate().skipLocked();
    const chosen: WaitlistEntryRow[] = [];
    for (const c of candidates) {
      if (available <= 0 || chosen.length >= budget) break;
      if (c.quantity > available) continue;
      chosen.push(c);
      available -= c.quantity;
    }
    if (!chosen.length) continue;
    budget -= chosen.length;
    await tx('ticket_types').where({ id: tt.id }).increment('sold', chosen.reduce((s, c) => s + c.quantity, 0));
    await tx('waitlist_entries').whereIn('id', chosen.map((c) => c.id)).update({
      status: 'notified', held_quantity: tx.raw('quantity'), notified_at: now, expires_at: expiresAt, updated_at: now,
    });
    // Announced before the e-mails are queued, so the dispatcher starts the windows first.
    await emit(tx, tenantId, {
      type: 'waitlist.offers_made', aggregateType: 'event', aggregateId: input.eventId,
      payload: { event_id: input.eventId, ticket_type_id: tt.id, entry_ids: chosen.map((c) => c.id), window_ms: settings.offerWindowS * 1000 },
    });
    offers.push(...chosen.map((c) => ({ entryId: c.id, eventId: input.eventId, ticketTypeId: tt.id, quantity: c.quantity, expiresAt })));
    await queueEmails(tx, tenantId, chosen.map((c) => ({
      idempotencyKey: `waitlist-offer-${c.id}`, to: c.email,
      subject: `Tickets for ${event.name} are waiting for you`,
      text: `Good news: ${c.quantity} x ${tt.name} for ${event.name} are held for you until ${expiresAt.toISOString()}. `
        + `Complete your purchase before then (waitlist entry ${c.id}); afterwards they go to the next person in line.`,
    })));
  }
  if (offers.length) await syncSoldOutStatus(tx, tenantId, input.eventId);
  return offers;
}

/**
 * Ends an open offer without a purchase (it expired, or the entry left): the held seats go back
 * and straight to the next entries in line. Returns the offers that made.
 */
export async function closeOffer(tx: Tx, tenantId: string, entry: WaitlistEntryRow, status: 'expired' | 'cancelled'): Promise<Offer[]> {
  if (entry.status !== 'notified') throw new AppError(409, 'offer_not_active', `Waitlist entry ${entry.id} is ${entry.status}`);
  await tx('ticket_types').where({ id: entry.ticket_type_id }).decrement('sold', entry.held_quantity);
  await tx('waitlist_entries').where({ id: entry.id }).update({ status, held_quantity: 0, updated_at: tx.fn.now() });
  await emit(tx, tenantId, { type: `waitlist.offer_${status}`, aggregateType: 'waitlist_entry', aggregateId: entry.id, payload: { entry_id: entry.id, event_id: entry.event_id } });
  const offers = await offerAvailable(tx, tenantId, { eventId: entry.event_id, ticketTypeId: entry.ticket_type_id });
  if (!offers.length) await syncSoldOutStatus(tx, tenantId, entry.event_id);
  return offers;
}

/** The hold becomes an order: the entry is done and its seats now belong to `orderId`. */
export async function markEntryPurchased(tx: Tx, tenantId: string, entry: WaitlistEntryRow, orderId: number): Promise<WaitlistEntryRow> {
  const [row] = await tx('waitlist_entries').where({ id: entry.id })
    .update({ status: 'purchased', held_quantity: 0, order_id: orderId, updated_at: tx.fn.now() }).returning('*');
  await emit(tx, tenantId, { type: 'waitlist.purchased', aggregateType: 'waitlist_entry', aggregateId: entry.id, payload: { entry_id: entry.id, event_id: entry.event_id, order_id: orderId } });
  return row;
}

export async function cancelWaitingEntry(tx: Tx, entry: WaitlistEntryRow): Promise<void> {
  await tx('waitlist_entries').where({ id: entry.id }).update({ status: 'cancelled', updated_at: tx.fn.now() });
}
