import type { Tx } from './connection';
import type { EventStatus } from '../domain/events/lifecycle';
import { statusAfterInventoryChange } from '../domain/events/lifecycle';
import { emit } from './outbox';

export interface EventRow {
  id: number;
  tenant_id: string;
  external_ref: string | null;
  name: string;
  description: string | null;
  venue_name: string;
  venue_address: string | null;
  venue_latitude: number | null;
  venue_longitude: number | null;
  timezone: string;
  starts_at: Date;
  ends_at: Date;
  capacity: number;
  status: EventStatus;
  allow_reentry: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface TicketTypeRow {
  id: number;
  tenant_id: string;
  event_id: number;
  name: string;
  price_minor: number;
  currency: string;
  inventory: number;
  sold: number;
  sales_start_at: Date | null;
  sales_end_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type EventInput = Partial<
  Omit<EventRow, 'id' | 'tenant_id' | 'created_at' | 'updated_at' | 'starts_at' | 'ends_at'>
> & {
  starts_at?: string;
  ends_at?: string;
};

export async function insertEvent(tx: Tx, tenantId: string, input: EventInput): Promise<EventRow> {
  const [row] = await tx('events')
    .insert({ ...input, tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function getEvent(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<EventRow | undefined> {
  const q = tx<EventRow>('events').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listEvents(
  tx: Tx,
  filter: { status?: EventStatus; after?: number; limit: number; from?: string },
): Promise<EventRow[]> {
  const q = tx<EventRow>('events').orderBy('id').limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  if (filter.after) q.where('id', '>', filter.after);
  if (filter.from) q.where('ends_at', '>=', filter.from);
  return q;
}

export async function updateEvent(tx: Tx, id: number, patch: EventInput): Promise<EventRow> {
  const [row] = await tx('events')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export async function insertTicketType(
  tx: Tx,
  tenantId: string,
  eventId: number,
  input: Partial<TicketTypeRow>,
): Promise<TicketTypeRow> {
  const [row] = await tx('ticket_types')
    .insert({ ...input, tenant_id: tenantId, event_id: eventId })
    .returning('*');
  return row;
}

export async function getTicketType(tx: Tx, id: number): Promise<TicketTypeRow | undefined> {
  return tx<TicketTypeRow>('ticket_types').where({ id }).first();
}

export async function listTicketTypes(tx: Tx, eventId: number): Promise<TicketTypeRow[]> {
  return tx<TicketTypeRow>('ticket_types').where({ event_id: eventId }).orderBy('id');
}

export async function updateTicketType(tx: Tx, id: number, patch: Partial<TicketTypeRow>): Promise<TicketTypeRow> {
  const [row] = await tx('ticket_types')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

/** Sum of inventory of an event's ticket types, optionally leaving one type out (it is being resized). */
export async function allocatedInventory(tx: Tx, eventId: number, exceptTicketTypeId?: number): Promise<number> {
  const q = tx('ticket_types').where({ event_id: eventId }).sum<{ total: string | null }[]>({ total: 'inventory' });
  if (exceptTicketTypeId) q.whereNot({ id: exceptTicketTypeId });
  const [{ total }] = await q;
  return Number(total ?? 0);
}

/**
 * Moves the event between on_sale and sold_out as its stock changes, announcing sell-outs.
 * Called after every reservation or release while the event row is locked by the caller's update.
 */
export async function syncSoldOutStatus(tx: Tx, tenantId: string, eventId: number): Promise<void> {
  const [event] = await tx<EventRow>('events').where({ id: eventId }).forUpdate().select('status');
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
