import type { Tx } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { cancelTickets, getTicket, listTickets, updateTicket, type TicketRow } from '../../db/tickets/tickets';
import { conflict } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams, page, toPage } from '../schemas/common';
import { Ticket, TicketQuery, UpdateTicket } from './schemas';
import { toTicket } from './view';

async function loadTicket(tx: Tx, auth: Auth, id: number, lock = false): Promise<TicketRow> {
  return visibleTo(auth, await getTicket(tx, id, { lock }), (t) => t.customer_id, 'Ticket');
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
