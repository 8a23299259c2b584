import { type z } from 'zod';
import type { Tx } from '../../db/connection';
import { emit } from '../../db/outbox';
import { cancelTickets, getTicket, listTickets, updateTicket, type TicketRow } from '../../db/tickets';
import { conflict, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, type Auth } from '../route';
import { IdParams, page, toPage } from '../schemas/common';
import { Ticket, TicketQuery, UpdateTicket } from './schemas';

export const toTicket = (t: TicketRow): z.infer<typeof Ticket> => ({
  id: t.id,
  code: t.code,
  status: t.status,
  event_id: t.event_id,
  order_id: t.order_id,
  ticket_type_id: t.ticket_type_id,
  customer_id: t.customer_id,
  holder_name: t.holder_name,
  holder_email: t.holder_email,
  section: t.section,
  seat: t.seat,
  replaced_by_ticket_id: t.replaced_by_ticket_id,
  created_at: t.created_at.toISOString(),
});

async function loadTicket(tx: Tx, auth: Auth, id: number, lock = false): Promise<TicketRow> {
  const ticket = await getTicket(tx, id, { lock });
  if (!ticket || (auth.kind === 'customer' && ticket.customer_id !== auth.customerId)) throw notFound('Ticket');
  return ticket;
}

export function ticketRoutes(deps: RouterDeps): void {
  const tags = ['Tickets'];

  defineRoute(deps, {
    method: 'get',
    path: '/api/tickets',
    summary: 'List tickets by order, event, customer or status',
    tags,
    access: { scope: 'read', customer: true },
    query: TicketQuery,
    responses: { 200: { description: 'Tickets', schema: page(Ticket) } },
    handler: async ({ tx, auth, query }) => {
      const customerId = auth.kind === 'customer' ? auth.customerId : query.customer_id;
      const rows = await listTickets(tx, { ...query, orderId: query.order_id, eventId: query.event_id, customerId });
      return { body: { ...toPage(rows, query.limit), items: rows.map(toTicket) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/tickets/{id}',
    summary: 'Get a ticket',
    tags,
    access: { scope: 'read', customer: true },
    params: IdParams,
    responses: { 200: { description: 'Ticket', schema: Ticket } },
    handler: async ({ tx, auth, params }) => ({ body: toTicket(await loadTicket(tx, auth, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/tickets/{id}',
    summary: 'Update holder or seat of a ticket',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    body: UpdateTicket,
    responses: { 200: { description: 'Updated', schema: Ticket } },
    handler: async ({ tx, auth, params, body }) => {
      const ticket = await loadTicket(tx, auth, params.id, true);
      if (ticket.status !== 'valid') throw conflict('ticket_not_valid', `The ticket is ${ticket.status}`);
      const updated = await updateTicket(tx, ticket.id, body);
      await emit(tx, auth.tenantId, {
        type: 'ticket.updated',
        aggregateType: 'ticket',
        aggregateId: ticket.id,
        payload: { ticket_id: ticket.id, event_id: ticket.event_id, changed: Object.keys(body) },
      });
      return { body: toTicket(updated) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/tickets/{id}/cancel',
    summary: 'Cancel one ticket; its code stops scanning and its seat is released',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    responses: { 200: { description: 'Cancelled', schema: Ticket } },
    handler: async ({ tx, auth, params }) => {
      const ticket = await loadTicket(tx, auth, params.id, true);
      if (ticket.status === 'cancelled') return { body: toTicket(ticket) };
      if (ticket.status !== 'valid') throw conflict('ticket_not_valid', `The ticket is ${ticket.status}`);
      await cancelTickets(tx, auth.tenantId, [ticket]);
      return { body: toTicket(await loadTicket(tx, auth, ticket.id)) };
    },
  });
}
