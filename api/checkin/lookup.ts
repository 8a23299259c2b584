import { z } from 'zod';
import {
  lookupTicket,
  manifestPage,
  presenceOf,
  scansOfTicket,
  searchTickets,
  type LookupRow,
} from '../../db/checkin/lookup';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common';
import { checkin, loadEvent } from './load';
import { CodeParams, Manifest, ManifestQuery, SearchQuery, TicketLookup } from './schemas';

const toLookup = (t: LookupRow) => ({
  id: t.id,
  code: t.code,
  status: t.status,
  event_id: t.event_id,
  order_number: t.order_number,
  holder_name: t.holder_name,
  holder_email: t.holder_email,
  ticket_type: t.ticket_type,
  ticket_type_id: t.ticket_type_id,
});

/** Tickets for the scanners: the offline manifest, and manual lookup and search at the desk. */
export function lookupRoutes(deps: RouterDeps): void {
  const { tags, module } = checkin;

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/manifest',
    summary: "The event's tickets for offline validation, incremental from a cursor",
    tags,
    access: { scope: 'scanner', module },
    params: IdParams,
    query: ManifestQuery,
    responses: { 200: { description: 'Tickets changed since the cursor', schema: Manifest } },
    handler: async ({ tx, params, query }) => {
      await loadEvent(tx, params.id);
      const cursor = query.cursor
        ? { micros: Number(query.cursor.split(':')[0]), id: Number(query.cursor.split(':')[1]) }
        : undefined;
      const items = await manifestPage(tx, params.id, cursor, query.limit);
      const last = items[items.length - 1];
      return {
        body: {
          event_id: params.id,
          complete: items.length < query.limit,
          next_cursor: last ? `${last.micros}:${last.ticket_id}` : (query.cursor ?? null),
          items: items.map((t) => ({
            ticket_id: t.ticket_id,
            code: t.code,
            status: t.status,
            holder_name: t.holder_name,
            ticket_type: t.ticket_type,
            ticket_type_id: t.ticket_type_id,
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/ticket/{code}/lookup',
    summary: 'Manual lookup of a ticket by its code, with its check-in history',
    tags,
    access: { scope: 'scanner', module },
    params: CodeParams,
    responses: { 200: { description: 'The ticket', schema: TicketLookup } },
    handler: async ({ tx, params }) => {
      const ticket = await lookupTicket(tx, params.code);
      if (!ticket) throw notFound('Ticket');
      const presence = await presenceOf(tx, ticket.id);
      const scans = await scansOfTicket(tx, ticket.id);
      return {
        body: {
          ticket: toLookup(ticket),
          checked_in: !!presence,
          inside: presence?.inside ?? false,
          first_admission: presence
            ? { at: presence.first_admitted_at.toISOString(), gate_id: presence.first_gate_id }
            : null,
          scans: scans.map((s) => ({ ...s, scanned_at: s.scanned_at.toISOString() })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/search',
    summary: 'Find tickets of an event by name, e-mail or order number',
    tags,
    access: { scope: 'scanner', module },
    query: SearchQuery,
    responses: {
      200: { description: 'Matching tickets', schema: z.object({ items: z.array(TicketLookup.shape.ticket) }) },
    },
    handler: async ({ tx, query }) => {
      await loadEvent(tx, query.event_id);
      return { body: { items: (await searchTickets(tx, query.event_id, query.q, query.limit)).map(toLookup) } };
    },
  });
}
