import { z } from 'zod';
import type { Tx } from '../../db/connection';
import {
  applyScans,
  eventCounts,
  eventStats,
  gateScanStats,
  getDevice,
  getGate,
  insertGate,
  listDevices,
  listGates,
  lookupTicket,
  manifestPage,
  meterExtraDevice,
  presenceOf,
  scansOfTicket,
  searchTickets,
  updateGate,
  upsertDevice,
  type DeviceRow,
  type GateRow,
  type LookupRow,
  type ScanInput,
} from '../../db/checkin';
import { getEvent } from '../../db/events';
import { getModule } from '../../db/platform';
import { deviceStatus, ratePerMinute } from '../../domain/checkin/verdict';
import { notFound, unprocessable } from '../../lib/errors';
import { toLiveCounts } from '../../realtime/live';
import { ScanVerdict, toVerdictMessage } from '../../realtime/protocol';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import {
  Alert,
  AssignStaff,
  CodeParams,
  CreateGate,
  Device,
  Gate,
  GateStats,
  HttpScan,
  Manifest,
  ManifestQuery,
  RegisterDevice,
  RegisteredDevice,
  SearchQuery,
  Staff,
  StaffParams,
  StatsBody,
  StatusBody,
  SyncResult,
  SyncScans,
  TicketLookup,
  UpdateDevice,
  UpdateGate,
} from './schemas';

const DEFAULT_HEARTBEAT_TIMEOUT_S = 60;

const toGate = (g: GateRow): z.infer<typeof Gate> => ({
  id: g.id,
  event_id: g.event_id,
  name: g.name,
  location: g.location,
  capacity_limit: g.capacity_limit,
  is_vip: g.is_vip,
  ticket_type_ids: g.ticket_type_ids?.map(Number) ?? null,
  status: g.status,
  created_at: g.created_at.toISOString(),
});

async function heartbeatTimeout(tx: Tx): Promise<number> {
  const value = (await getModule(tx, 'checkin'))?.settings?.heartbeat_timeout_s;
  return typeof value === 'number' && value > 0 ? value : DEFAULT_HEARTBEAT_TIMEOUT_S;
}

const toDevice = (d: DeviceRow, timeoutS: number, now = new Date()): z.infer<typeof Device> => ({
  id: d.id,
  event_id: d.event_id,
  device_name: d.device_name,
  device_uuid: d.device_uuid,
  gate_id: d.gate_id,
  staff_ref: d.staff_ref,
  status: deviceStatus(d, now, timeoutS),
  last_seen_at: isoOrNull(d.last_seen_at),
  last_sync_at: isoOrNull(d.last_sync_at),
  created_at: d.created_at.toISOString(),
});

async function loadEvent(tx: Tx, id: number) {
  const event = await getEvent(tx, id);
  if (!event) throw notFound('Event');
  return event;
}

async function loadGate(tx: Tx, id: number, lock = false): Promise<GateRow> {
  const gate = await getGate(tx, id, { lock });
  if (!gate) throw notFound('Gate');
  return gate;
}

async function loadDevice(tx: Tx, id: number): Promise<DeviceRow> {
  const device = await getDevice(tx, id);
  if (!device) throw notFound('Device');
  return device;
}

/** A gate must belong to the same event, and a VIP lane's ticket types too. */
async function assertGateFits(tx: Tx, eventId: number, ticketTypeIds: number[] | null | undefined): Promise<void> {
  if (!ticketTypeIds?.length) return;
  const found = await tx('ticket_types')
    .where({ event_id: eventId })
    .whereIn('id', ticketTypeIds)
    .count<{ n: string }[]>('* as n');
  if (Number(found[0].n) !== new Set(ticketTypeIds).size)
    throw unprocessable('unknown_ticket_type', "Every ticket type must belong to the gate's event");
}

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

export function checkinRoutes(deps: RouterDeps): void {
  const tags = ['Check-in'];
  const module = 'checkin' as const;

  // ---- gates ----
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
      const [row] = await tx('checkin_gate_staff')
        .insert({ tenant_id: auth.tenantId, gate_id: gate.id, staff_ref: body.staff_ref, name: body.name })
        .onConflict(['gate_id', 'staff_ref'])
        .merge({ name: body.name })
        .returning('*');
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
      const staff = await tx('checkin_gate_staff').where({ gate_id: gate.id }).orderBy('assigned_at');
      return {
        body: {
          items: staff.map((s: { staff_ref: string; name: string; assigned_at: Date }) => ({
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
      const n = await tx('checkin_gate_staff').where({ gate_id: gate.id, staff_ref: params.staff_ref }).delete();
      if (!n) throw notFound('Staff assignment');
      return { status: 204 };
    },
  });

  // ---- devices ----
  defineRoute(deps, {
    method: 'post',
    path: '/api/checkin/devices/register',
    summary: 'Register a scanner device; returns its socket token once',
    tags,
    access: { scope: 'write', module },
    body: RegisterDevice,
    idempotent: true,
    responses: { 201: { description: 'Registered', schema: RegisteredDevice } },
    handler: async ({ tx, auth, body }) => {
      await loadEvent(tx, body.event_id);
      if (body.gate_id && (await loadGate(tx, body.gate_id)).event_id !== body.event_id)
        throw unprocessable('gate_of_other_event', 'The gate belongs to another event');
      const { device, token } = await upsertDevice(tx, auth.tenantId, {
        event_id: body.event_id,
        device_name: body.device_name,
        device_uuid: body.device_uuid,
        gate_id: body.gate_id ?? null,
        staff_ref: body.staff_ref ?? null,
      });
      await meterExtraDevice(tx, auth.tenantId, device);
      return {
        status: 201,
        body: {
          ...toDevice(device, await heartbeatTimeout(tx)),
          token,
          scanner_url: `/api/checkin/scanner?token=${token}`,
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/devices',
    summary: "An event's scanner devices with status (offline when the heartbeat stopped)",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Devices', schema: z.object({ items: z.array(Device) }) } },
    handler: async ({ tx, params }) => {
      await loadEvent(tx, params.id);
      const timeout = await heartbeatTimeout(tx);
      return { body: { items: (await listDevices(tx, params.id)).map((d) => toDevice(d, timeout)) } };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/checkin/devices/{id}',
    summary: 'Rename, move to another gate, or (de)activate a device',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateDevice,
    responses: { 200: { description: 'Updated', schema: Device } },
    handler: async ({ tx, auth, params, body }) => {
      const device = await loadDevice(tx, params.id);
      if (body.gate_id && (await loadGate(tx, body.gate_id)).event_id !== device.event_id)
        throw unprocessable('gate_of_other_event', 'The gate belongs to another event');
      const [updated]: DeviceRow[] = await tx('checkin_devices').where({ id: device.id }).update(body).returning('*');
      if (updated.status === 'active') await meterExtraDevice(tx, auth.tenantId, updated);
      return { body: toDevice(updated, await heartbeatTimeout(tx)) };
    },
  });

  // ---- scanning ----
  defineRoute(deps, {
    method: 'post',
    path: '/api/checkin/scan',
    summary: 'Scan a ticket over HTTP (same verdicts as the scanner socket)',
    tags,
    access: { scope: 'scanner', module },
    body: HttpScan,
    responses: { 200: { description: 'The verdict, durable when returned', schema: ScanVerdict } },
    handler: async ({ tx, auth, body }) => {
      const gate = await loadGate(tx, body.gate_id);
      if (body.device_id) await loadDevice(tx, body.device_id);
      const scan: ScanInput = {
        scanId: body.scan_id,
        code: body.code,
        gateId: gate.id,
        deviceId: body.device_id ?? null,
        eventId: gate.event_id,
        direction: body.direction,
        scannedAt: body.scanned_at ? new Date(body.scanned_at) : new Date(),
        source: 'http',
      };
      const { outcomes } = await applyScans(tx, auth.tenantId, [scan]);
      return { body: toVerdictMessage(outcomes[0]) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/checkin/sync',
    summary: "Upload a device's offline scans; each is recorded with its own scan time, once per scan id",
    tags,
    access: { scope: 'scanner', module },
    body: SyncScans,
    responses: { 200: { description: "The server's verdict per scan", schema: SyncResult } },
    handler: async ({ tx, auth, body }) => {
      const device = await loadDevice(tx, body.device_id);
      const missingGate = body.scans.find((s) => !s.gate_id && !device.gate_id);
      if (missingGate)
        throw unprocessable('no_gate', `Scan ${missingGate.scan_id} names no gate and the device has none`);
      // Offline scans are applied in the order they happened, so the earliest admission wins.
      const scans = [...body.scans].sort((a, b) => Date.parse(a.scanned_at) - Date.parse(b.scanned_at));
      const { outcomes } = await applyScans(
        tx,
        auth.tenantId,
        scans.map((s) => ({
          scanId: s.scan_id,
          code: s.code,
          gateId: s.gate_id ?? (device.gate_id as number),
          deviceId: device.id,
          eventId: device.event_id,
          direction: s.direction,
          scannedAt: new Date(s.scanned_at),
          source: 'offline' as const,
        })),
      );
      const [synced] = await tx('checkin_devices')
        .where({ id: device.id })
        .update({ last_sync_at: tx.fn.now(), last_seen_at: tx.fn.now() })
        .returning('last_sync_at');
      await meterExtraDevice(tx, auth.tenantId, device);
      const byId = new Map(outcomes.map((o) => [o.scanId, toVerdictMessage(o)]));
      return {
        body: {
          device_id: device.id,
          synced_at: synced.last_sync_at.toISOString(),
          results: body.scans.map((s) => byId.get(s.scan_id) as z.infer<typeof ScanVerdict>),
        },
      };
    },
  });

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

  // ---- status, statistics, alerts ----
  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/status',
    summary: 'Who is in: totals, capacity use, rate and per gate',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Status', schema: StatusBody } },
    handler: async ({ tx, params }) => {
      const counts = await eventCounts(tx, params.id);
      if (!counts) throw notFound('Event');
      const live = toLiveCounts(counts, new Date());
      return {
        body: {
          event_id: live.event_id,
          capacity: live.capacity,
          sold: live.sold,
          inside: live.inside,
          admitted: live.admitted,
          capacity_pct: live.capacity_pct,
          rate_per_minute: live.rate_per_minute,
          gates: live.gates,
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/stats',
    summary: 'Check-in statistics: rate per minute, peaks, per gate and ticket type, no-shows',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Statistics', schema: StatsBody } },
    handler: async ({ tx, params }) => {
      const counts = await eventCounts(tx, params.id);
      if (!counts) throw notFound('Event');
      const s = await eventStats(tx, params.id);
      const perMinute = s.perMinute.map((m) => ({ minute: new Date(m.minute).toISOString(), count: m.count }));
      return {
        body: {
          event_id: params.id,
          admitted: counts.admitted,
          no_shows: Math.max(0, counts.sold - s.perType.reduce((n, t) => n + t.admitted, 0)),
          rate_per_minute: ratePerMinute(s.perMinute, new Date()),
          per_minute: perMinute,
          peak: [...perMinute].sort((a, b) => b.count - a.count).slice(0, 5),
          per_gate: s.perGate,
          per_ticket_type: s.perType,
          verdicts: Object.fromEntries(s.verdicts.map((v) => [v.verdict, v.n])),
          snapshots: s.snapshots.map((x) => ({ ...x, snapshot_at: x.snapshot_at.toISOString() })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/checkin/events/{id}/alerts',
    summary: "An event's check-in alerts, newest first",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Alerts', schema: z.object({ items: z.array(Alert) }) } },
    handler: async ({ tx, params }) => {
      await loadEvent(tx, params.id);
      const alerts = await tx('checkin_alerts').where({ event_id: params.id }).orderBy('id', 'desc').limit(200);
      return {
        body: {
          items: alerts.map((a: { created_at: Date } & z.infer<typeof Alert>) => ({
            id: a.id,
            event_id: a.event_id,
            gate_id: a.gate_id,
            kind: a.kind,
            message: a.message,
            payload: a.payload,
            created_at: a.created_at.toISOString(),
          })),
        },
      };
    },
  });
}
