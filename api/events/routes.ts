import { z } from 'zod';
import { allocatedInventory, syncSoldOutStatus } from '../../db/events/inventory';
import {
  findEventIdByExternalRef,
  getEvent,
  insertEvent,
  listEvents,
  updateEvent,
  type EventInput,
  type EventRow,
} from '../../db/events/events';
import { getEventSummary } from '../../db/events/summaries';
import {
  getTicketType,
  insertTicketType,
  listTicketTypes,
  updateTicketType,
  type TicketTypeRow,
} from '../../db/events/ticket-types';
import { emit } from '../../db/platform/outbox';
import { canTransition } from '../../domain/events/lifecycle';
import { AppError, conflict, notFound, unprocessable } from '../../lib/errors';
import type { Tx } from '../../db/connection';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import {
  CreateEvent,
  CreateTicketType,
  Event,
  EventQuery,
  EventSummary,
  TicketType,
  UpdateEvent,
  UpdateTicketType,
} from './schemas';

export const toEvent = (e: EventRow): z.infer<typeof Event> => ({
  id: e.id,
  external_ref: e.external_ref,
  name: e.name,
  description: e.description,
  venue: { name: e.venue_name, address: e.venue_address, latitude: e.venue_latitude, longitude: e.venue_longitude },
  timezone: e.timezone,
  starts_at: e.starts_at.toISOString(),
  ends_at: e.ends_at.toISOString(),
  capacity: e.capacity,
  status: e.status,
  allow_reentry: e.allow_reentry,
  category: e.category,
  tags: e.tags ?? [],
  created_at: e.created_at.toISOString(),
  updated_at: e.updated_at.toISOString(),
});

export const toTicketType = (t: TicketTypeRow): z.infer<typeof TicketType> => ({
  id: t.id,
  event_id: t.event_id,
  name: t.name,
  price_minor: t.price_minor,
  currency: t.currency.trim(),
  inventory: t.inventory,
  sold: t.sold,
  available: t.inventory - t.sold,
  sales_start_at: isoOrNull(t.sales_start_at),
  sales_end_at: isoOrNull(t.sales_end_at),
  attendance: t.attendance,
  replay_window_hours: t.replay_window_hours,
});

function venueColumns(
  venue:
    Partial<{ name: string; address?: string | null; latitude?: number | null; longitude?: number | null }> | undefined,
): EventInput {
  if (!venue) return {};
  const out: EventInput = {};
  if (venue.name !== undefined) out.venue_name = venue.name;
  if (venue.address !== undefined) out.venue_address = venue.address;
  if (venue.latitude !== undefined) out.venue_latitude = venue.latitude;
  if (venue.longitude !== undefined) out.venue_longitude = venue.longitude;
  return out;
}

async function loadEvent(tx: Tx, id: number): Promise<EventRow> {
  const event = await getEvent(tx, id);
  if (!event) throw notFound('Event');
  return event;
}

async function assertInventoryFits(
  tx: Tx,
  event: EventRow,
  inventory: number,
  exceptTicketTypeId?: number,
): Promise<void> {
  const allocated = await allocatedInventory(tx, event.id, exceptTicketTypeId);
  if (allocated + inventory > event.capacity) {
    throw unprocessable(
      'inventory_exceeds_capacity',
      `Ticket inventory would be ${allocated + inventory}, above the event's capacity of ${event.capacity}`,
      { capacity: event.capacity, allocated },
    );
  }
}

/** Fields whose change matters to ticket holders (wallet passes, notifications). */
const HOLDER_VISIBLE = [
  'name',
  'venue_name',
  'venue_address',
  'venue_latitude',
  'venue_longitude',
  'starts_at',
  'ends_at',
  'timezone',
] as const;

export function eventRoutes(deps: RouterDeps): void {
  const tags = ['Events'];

  defineRoute(deps, {
    method: 'post',
    path: '/api/events',
    summary: 'Create an event (or sync one from the tenant platform)',
    tags,
    access: { scope: 'write' },
    body: CreateEvent,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Event } },
    handler: async ({ tx, auth, body }) => {
      if (body.external_ref && (await findEventIdByExternalRef(tx, body.external_ref))) {
        throw conflict('duplicate_external_ref', `An event with external_ref ${body.external_ref} already exists`);
      }
      const { venue, ...rest } = body;
      const row = await insertEvent(tx, auth.tenantId, { ...rest, ...venueColumns(venue) });
      await emit(tx, auth.tenantId, {
        type: 'event.created',
        aggregateType: 'event',
        aggregateId: row.id,
        payload: { event_id: row.id },
      });
      return { status: 201, body: toEvent(row), headers: { Location: `/api/events/${row.id}` } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/events',
    summary: 'List events',
    tags,
    access: { scope: 'read' },
    query: EventQuery,
    responses: { 200: { description: 'Events', schema: page(Event) } },
    handler: async ({ tx, query }) => {
      const rows = await listEvents(tx, query);
      return { body: { ...toPage(rows, query.limit), items: rows.map(toEvent) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/events/{id}',
    summary: 'Get an event with its ticket types',
    tags,
    access: { scope: 'read', customer: true },
    params: IdParams,
    responses: { 200: { description: 'Event', schema: Event.extend({ ticket_types: z.array(TicketType) }) } },
    handler: async ({ tx, params }) => {
      const event = await loadEvent(tx, params.id);
      return { body: { ...toEvent(event), ticket_types: (await listTicketTypes(tx, event.id)).map(toTicketType) } };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/events/{id}',
    summary: 'Update an event: details, schedule, venue or status',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    body: UpdateEvent,
    responses: { 200: { description: 'Updated', schema: Event } },
    handler: async ({ tx, auth, params, body }) => {
      const event = await getEvent(tx, params.id, { lock: true });
      if (!event) throw notFound('Event');
      if (body.status && !canTransition(event.status, body.status)) {
        throw unprocessable('invalid_status_transition', `An event cannot go from ${event.status} to ${body.status}`);
      }
      const startsAt = body.starts_at ? new Date(body.starts_at) : event.starts_at;
      const endsAt = body.ends_at ? new Date(body.ends_at) : event.ends_at;
      if (endsAt <= startsAt)
        throw new AppError(400, 'validation_failed', 'ends_at must be after starts_at', {
          errors: [{ path: 'body.ends_at', message: 'must be after starts_at', code: 'custom' }],
        });
      if (body.capacity !== undefined && body.capacity < (await allocatedInventory(tx, event.id))) {
        throw unprocessable(
          'capacity_below_inventory',
          'Capacity cannot be below the ticket inventory already allocated',
        );
      }
      const { venue, ...rest } = body;
      const updated = await updateEvent(tx, event.id, { ...rest, ...venueColumns(venue) });
      const changed = HOLDER_VISIBLE.filter((f) => String(updated[f]) !== String(event[f]));
      if (changed.length) {
        await emit(tx, auth.tenantId, {
          type: 'event.updated',
          aggregateType: 'event',
          aggregateId: event.id,
          payload: { event_id: event.id, changed },
        });
      }
      if (updated.status !== event.status && (updated.status === 'cancelled' || updated.status === 'ended')) {
        await emit(tx, auth.tenantId, {
          type: `event.${updated.status}`,
          aggregateType: 'event',
          aggregateId: event.id,
          payload: { event_id: event.id },
        });
      }
      if (updated.status === 'on_sale') await syncSoldOutStatus(tx, auth.tenantId, event.id);
      return { body: toEvent((await getEvent(tx, event.id)) ?? updated) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/events/{id}/summary',
    summary: 'Figures computed when the event ended: tickets, cancellations, revenue, orders',
    tags,
    access: { scope: 'read' },
    params: IdParams,
    responses: { 200: { description: 'Summary', schema: EventSummary } },
    handler: async ({ tx, params }) => {
      await loadEvent(tx, params.id);
      const s = await getEventSummary(tx, params.id);
      if (!s) throw new AppError(404, 'summary_not_ready', 'The summary is computed when the event ends');
      return {
        body: {
          event_id: params.id,
          tickets_sold: s.tickets_sold,
          tickets_cancelled: s.tickets_cancelled,
          revenue_minor: Number(s.revenue_minor),
          currency: s.currency?.trim() ?? null,
          orders: s.orders,
          computed_at: s.computed_at.toISOString(),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/events/{id}/ticket-types',
    summary: 'Add a ticket type to an event',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    body: CreateTicketType,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: TicketType } },
    handler: async ({ tx, auth, params, body }) => {
      const event = await getEvent(tx, params.id, { lock: true });
      if (!event) throw notFound('Event');
      await assertInventoryFits(tx, event, body.inventory);
      const row = await insertTicketType(tx, auth.tenantId, event.id, body as Partial<TicketTypeRow>);
      // Season members' seats are allocated from a new ticket type.
      await emit(tx, auth.tenantId, {
        type: 'ticket_type.created',
        aggregateType: 'ticket_type',
        aggregateId: row.id,
        payload: { ticket_type_id: row.id, event_id: row.event_id, inventory: row.inventory },
      });
      await syncSoldOutStatus(tx, auth.tenantId, event.id);
      return { status: 201, body: toTicketType(row) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/events/{id}/ticket-types',
    summary: "List an event's ticket types with availability",
    tags,
    access: { scope: 'read', customer: true },
    params: IdParams,
    responses: { 200: { description: 'Ticket types', schema: z.object({ items: z.array(TicketType) }) } },
    handler: async ({ tx, params }) => {
      await loadEvent(tx, params.id);
      return { body: { items: (await listTicketTypes(tx, params.id)).map(toTicketType) } };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/ticket-types/{id}',
    summary: 'Change a ticket type: name, price, inventory, sales window',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    body: UpdateTicketType,
    responses: { 200: { description: 'Updated', schema: TicketType } },
    handler: async ({ tx, auth, params, body }) => {
      // The ticket type before its event, the order in which order placement takes them.
      const current = await getTicketType(tx, params.id, { lock: true });
      if (!current) throw notFound('Ticket type');
      const event = await getEvent(tx, current.event_id, { lock: true });
      if (!event) throw notFound('Event');
      if (body.inventory !== undefined) {
        if (body.inventory < current.sold) {
          throw unprocessable(
            'inventory_below_sold',
            `Inventory cannot go below the ${current.sold} tickets already sold`,
          );
        }
        await assertInventoryFits(tx, event, body.inventory, current.id);
      }
      const row = await updateTicketType(tx, current.id, body as Partial<TicketTypeRow>);
      if (body.inventory !== undefined && body.inventory !== current.inventory) {
        await emit(tx, auth.tenantId, {
          type: 'ticket_type.inventory_changed',
          aggregateType: 'ticket_type',
          aggregateId: row.id,
          payload: {
            ticket_type_id: row.id,
            event_id: row.event_id,
            inventory: row.inventory,
            available: row.inventory - row.sold,
            previous_inventory: current.inventory,
          },
        });
        await syncSoldOutStatus(tx, auth.tenantId, event.id);
      }
      return { body: toTicketType(row) };
    },
  });
}
