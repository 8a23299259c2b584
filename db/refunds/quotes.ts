import type { Tx } from '../connection';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import { quote, type PolicyRules, type Quote } from '../../domain/refunds/policy';
import { getEvent } from '../events/events';
import { getOrderItems, type OrderRow } from '../orders/orders';
import type { TicketRow } from '../tickets/tickets';
import { getEffectivePolicy } from './policies';

export interface TicketLine {
  ticket: TicketRow;
  paidMinor: number;
}

/**
 * The order's tickets a request covers (all still-valid ones when none are named), with what was
 * paid for each. Locks them when a request is being made, so racing requests queue.
 */
export async function loadTicketLines(
  tx: Tx,
  order: OrderRow,
  ticketIds: number[] | undefined,
  opts: { lock?: boolean; allowNone?: boolean } = {},
): Promise<TicketLine[]> {
  const q = tx<TicketRow>('tickets').where({ order_id: order.id }).orderBy('id');
  if (ticketIds) q.whereIn('id', ticketIds);
  else q.where({ status: 'valid' });
  const tickets = opts.lock ? await q.forUpdate() : await q;
  if (ticketIds) {
    const missing = ticketIds.filter((id) => !tickets.some((t) => t.id === id));
    if (missing.length)
      throw unprocessable('ticket_not_in_order', `Tickets ${missing.join(', ')} are not part of order ${order.id}`, {
        ticket_ids: missing,
      });
    const invalid = tickets.filter((t) => t.status !== 'valid');
    if (invalid.length)
      throw conflict('ticket_not_valid', `Ticket ${invalid[0].id} is ${invalid[0].status}`, {
        ticket_id: invalid[0].id,
        ticket_status: invalid[0].status,
      });
  }
  if (!tickets.length && !opts.allowNone) throw conflict('no_valid_tickets', `Order ${order.id} has no valid tickets`);
  const prices = new Map((await getOrderItems(tx, order.id)).map((i) => [i.ticket_type_id, i.unit_price_minor]));
  return tickets.map((ticket) => ({ ticket, paidMinor: prices.get(ticket.ticket_type_id) ?? 0 }));
}

/** What quoting an event's tickets needs, read once for any number of orders: its start and policy. */
export interface EventQuoting {
  eventStartsAt: Date;
  timeZone: string;
  rules: PolicyRules;
  policySource: string;
}

export async function eventQuoting(tx: Tx, eventId: number): Promise<EventQuoting> {
  const event = await getEvent(tx, eventId);
  if (!event) throw notFound('Event');
  const { rules, source } = await getEffectivePolicy(tx, eventId);
  return { eventStartsAt: event.starts_at, timeZone: event.timezone, rules, policySource: source };
}

export const quoteLines = (q: EventQuoting, order: OrderRow, lines: TicketLine[], now = new Date()): Quote =>
  quote(q.rules, {
    eventStartsAt: q.eventStartsAt,
    timeZone: q.timeZone,
    now,
    currency: order.currency.trim(),
    paidMinor: lines.map((l) => l.paidMinor),
  });

export async function quoteTickets(
  tx: Tx,
  order: OrderRow,
  lines: TicketLine[],
  now = new Date(),
): Promise<{ quote: Quote; policySource: string }> {
  const quoting = await eventQuoting(tx, order.event_id);
  return { quote: quoteLines(quoting, order, lines, now), policySource: quoting.policySource };
}
