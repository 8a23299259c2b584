import { z } from 'zod';
import { listDevices, meterExtraDevice, updateDevice, upsertDevice, type DeviceRow } from '../../db/checkin/devices';
import type { Tx } from '../../db/connection';
import { getModule } from '../../db/platform/modules';
import { deviceStatus } from '../../domain/checkin/verdict';
import { unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull } from '../schemas/common';
import { checkin, loadDevice, loadEvent, loadGate } from './load';
import { Device, RegisterDevice, RegisteredDevice, UpdateDevice } from './schemas';

const DEFAULT_HEARTBEAT_TIMEOUT_S = 60;

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

/** Scanner devices: registration (which issues the socket token), listing with status, changes. */
export function deviceRoutes(deps: RouterDeps): void {
  const { tags, module } = checkin;

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
      const updated = await updateDevice(tx, device.id, body);
      if (updated.status === 'active') await meterExtraDevice(tx, auth.tenantId, updated);
      return { body: toDevice(updated, await heartbeatTimeout(tx)) };
    },
  });
}
