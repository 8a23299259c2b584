import { z } from 'zod';
import { eventCounts } from '../../db/checkin/counts';
import {
  assignStaff,
  countTicketTypesOfEvent,
  insertGate,
  listGates,
  listStaff,
  unassignStaff,
  updateGate,
  type GateRow,
} from '../../db/checkin/gates';
import { gateScanStats } from '../../db/checkin/stats';
import type { Tx } from '../../db/connection';
import { notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common';
import { checkin, loadEvent, loadGate } from './load';
import { AssignStaff, CreateGate, Gate, GateStats, Staff, StaffParams, UpdateGate } from './schemas';

const toGate = (g: GateRow): z.infer<typeof Gate> => ({
  id: g.id,
  event_id: g.event_id,
  name: g.name,
  location: g.location,
  capacity_limit: g.capacity_limit,
  is_vip: g.is_vip,
  ticket_type_ids: g.ticket_type_ids?.map(Number) ?? null,
  accepts_vouchers: g.accepts_vouchers,
  admits_group_codes: g.admits_group_codes, // groups-gate
  status: g.status,
  created_at: g.created_at.toISOString(),
});

/** A gate must belong to the same event, and a VIP lane's ticket types too. */
async function assertGateFits(tx: Tx, eventId: number, ticketTypeIds: number[] | null | undefined): Promise<void> {
  if (!ticketTypeIds?.length) return;
  if ((await countTicketTypesOfEvent(tx, eventId, ticketTypeIds)) !== new Set(ticketTypeIds).size)
    throw unprocessable('unknown_ticket_type', "Every ticket type must belong to the gate's event");
}

/** Gates (entry points) of an event, their statistics and the staff assigned to them. */
export function gateRoutes(deps: RouterDeps): void {
  const { tags, module } = checkin;

  defineRoute(deps, {
    method: 'post',
    path: '/api/checkin/gates',
    summary: 'Create a gate (entry point) for an event',
    tags,
    access: { scope: 'write', module },
    body: CreateGate,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Gate } },
    handler: async ({ tx, auth, body }) => {
      await loadEvent(tx, body.event_id);
      await assertGateFits(tx, body.event_id, body.ticket_type_ids);
      const gate = await insertGate(tx, auth.tenantId, {
        event_id: body.event_id,
        name: body.name,
        location: body.location ?? null,
        capacity_limit: body.capacity_limit ?? null,
        is_vip: body.is_vip,
        ticket_type_ids: body.ticket_type_ids ?? null,
        accepts_vouchers: body.accepts_vouchers,
        admits_group_codes: body.admits_group_codes, // groups-gate
      });
      return { status: 201, body: toGate(gate) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/gates',
    summary: "List an event's gates",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Gates', schema: z.object({ items: z.array(Gate) }) } },
    handler: async ({ tx, params }) => {
      await loadEvent(tx, params.id);
      return { body: { items: (await listGates(tx, params.id)).map(toGate) } };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/checkin/gates/{id}',
    summary: 'Change a gate: name, location, capacity limit, VIP lane',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateGate,
    responses: { 200: { description: 'Updated', schema: Gate } },
    handler: async ({ tx, params, body }) => {
      const gate = await loadGate(tx, params.id, true);
      await assertGateFits(tx, gate.event_id, body.ticket_type_ids);
      return { body: toGate(await updateGate(tx, gate.id, body)) };
    },
  });

  for (const status of ['closed', 'open'] as const) {
    defineRoute(deps, {
      method: 'post',
      path: `/api/checkin/gates/{id}/${status === 'closed' ? 'close' : 'open'}`,
      summary:
        status === 'closed' ? 'Close a gate: entry scans there are refused (exits still work)' : 'Re-open a gate',
      tags,
      access: { scope: 'write', module },
      params: IdParams,
      responses: { 200: { description: 'The gate', schema: Gate } },
      handler: async ({ tx, params }) => {
        const gate = await loadGate(tx, params.id, true);
        return { body: toGate(gate.status === status ? gate : await updateGate(tx, gate.id, { status })) };
      },
    });
  }

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/gates/{id}/stats',
    summary: 'Statistics of one gate',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Gate statistics', schema: GateStats } },
    handler: async ({ tx, params }) => {
      const gate = await loadGate(tx, params.id);
      const counts = await eventCounts(tx, gate.event_id);
      const g = counts?.gates.find((x) => x.gate_id === gate.id);
      const s = await gateScanStats(tx, gate.id);
      return {
        body: {
          gate_id: gate.id,
          inside: g?.inside ?? 0,
          admitted: g?.admitted ?? 0,
          capacity_pct: gate.capacity_limit ? Math.round(((g?.inside ?? 0) / gate.capacity_limit) * 1000) / 10 : null,
          verdicts: Object.fromEntries(s.verdicts.map((v) => [v.verdict, v.n])),
          per_minute: s.perMinute.map((m) => ({ minute: new Date(m.minute).toISOString(), count: m.count })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/checkin/gates/{id}/staff',
    summary: 'Assign a staff member to a gate',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: AssignStaff,
    responses: { 201: { description: 'Assigned', schema: Staff } },
    handler: async ({ tx, auth, params, body }) => {
      const gate = await loadGate(tx, params.id);
      const row = await assignStaff(tx, auth.tenantId, {
        gate_id: gate.id,
        staff_ref: body.staff_ref,
        name: body.name,
      });
      return {
        status: 201,
        body: {
          gate_id: gate.id,
          staff_ref: row.staff_ref,
          name: row.name,
          assigned_at: row.assigned_at.toISOString(),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/gates/{id}/staff',
    summary: 'Staff assigned to a gate',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Staff', schema: z.object({ items: z.array(Staff) }) } },
    handler: async ({ tx, params }) => {
      const gate = await loadGate(tx, params.id);
      const staff = await listStaff(tx, gate.id);
      return {
        body: {
          items: staff.map((s) => ({
            gate_id: gate.id,
            staff_ref: s.staff_ref,
            name: s.name,
            assigned_at: s.assigned_at.toISOString(),
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/checkin/gates/{id}/staff/{staff_ref}',
    summary: 'Unassign a staff member',
    tags,
    access: { scope: 'write', module },
    params: StaffParams,
    responses: { 204: { description: 'Unassigned' } },
    handler: async ({ tx, params }) => {
      const gate = await loadGate(tx, params.id);
      if (!(await unassignStaff(tx, gate.id, params.staff_ref))) throw notFound('Staff assignment');
      return { status: 204 };
    },
  });
}
