import { randomBytes } from 'node:crypto';
import type { Tx } from '../connection';
import { releaseInventory, syncSoldOutStatus } from '../events/inventory';
import { emit } from '../platform/outbox';

export const TICKET_STATUSES = ['valid', 'cancelled', 'voided', 'transferred'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export interface TicketRow {
  id: number;
  tenant_id: string;
  event_id: number;
  order_id: number;
  ticket_type_id: number;
  customer_id: number;
  code: string;
  status: TicketStatus;
  holder_name: string | null;
  holder_email: string | null;
  section: string | null;
  seat: string | null;
  replaced_by_ticket_id: number | null;
  created_at: Date;
  updated_at: Date;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 20 characters from a 32-symbol alphabet: 100 bits, unguessable, easy to type at a manual-lookup desk. */
export function generateTicketCode(): string {
  const bytes = randomBytes(20);
  let code = '';
  for (const b of bytes) code += CODE_ALPHABET[b & 31];
  return code;
}

export type NewTicket = Pick<TicketRow, 'event_id' | 'order_id' | 'ticket_type_id' | 'customer_id'> &
  Partial<Pick<TicketRow, 'code' | 'holder_name' | 'holder_email' | 'section' | 'seat'>>;

export async function insertTickets(tx: Tx, tenantId: string, tickets: NewTicket[]): Promise<TicketRow[]> {
  if (!tickets.length) return [];
  return tx('tickets')
    .insert(tickets.map((t) => ({ ...t, code: t.code ?? generateTicketCode(), tenant_id: tenantId })))
    .returning('*');
}

export async function getTicket(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<TicketRow | undefined> {
  const q = tx<TicketRow>('tickets').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function getTicketByCode(tx: Tx, code: string): Promise<TicketRow | undefined> {
  return tx<TicketRow>('tickets').where({ code }).first();
}

export async function listTickets(
  tx: Tx,
  filter: {
    orderId?: number;
    eventId?: number;
    customerId?: number;
    status?: TicketStatus;
    after?: number;
    limit: number;
  },
): Promise<TicketRow[]> {
  const q = tx<TicketRow>('tickets').orderBy('id').limit(filter.limit);
  if (filter.orderId) q.where('order_id', filter.orderId);
  if (filter.eventId) q.where('event_id', filter.eventId);
  if (filter.customerId) q.where('customer_id', filter.customerId);
  if (filter.status) q.where('status', filter.status);
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}

/** An order's tickets, all of them, in issue order. */
export async function listOrderTickets(tx: Tx, orderId: number): Promise<TicketRow[]> {
  return tx<TicketRow>('tickets').where({ order_id: orderId }).orderBy('id');
}

export async function updateTicket(tx: Tx, id: number, patch: Partial<TicketRow>): Promise<TicketRow> {
  const [row] = await tx('tickets')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

/** A cancelled ticket stops scanning and gives its seat back; the waitlist hears of it through `ticket.cancelled`. */
export async function cancelTickets(tx: Tx, tenantId: string, tickets: TicketRow[]): Promise<void> {
  for (const t of [...tickets].sort((a, b) => a.ticket_type_id - b.ticket_type_id)) {
    await tx('tickets').where({ id: t.id }).update({ status: 'cancelled', updated_at: tx.fn.now() });
    await releaseInventory(tx, t.ticket_type_id, 1);
  }
  for (const eventId of new Set(tickets.map((t) => t.event_id))) await syncSoldOutStatus(tx, tenantId, eventId);
  await emit(
    tx,
    tenantId,
    tickets.map((t) => ({
      type: 'ticket.cancelled',
      aggregateType: 'ticket',
      aggregateId: t.id,
      payload: { ticket_id: t.id, event_id: t.event_id, ticket_type_id: t.ticket_type_id },
    })),
  );
}

/** Cancels the still-valid tickets of a closed order; its seats are given back by the caller. Answers their ids. */
export async function cancelOrderTickets(tx: Tx, orderId: number): Promise<number[]> {
  const rows: { id: number }[] = await tx('tickets')
    .where({ order_id: orderId, status: 'valid' })
    .update({ status: 'cancelled', updated_at: tx.fn.now() })
    .returning('id');
  return rows.map((r) => r.id);
}
