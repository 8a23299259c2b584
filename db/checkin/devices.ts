import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../connection';
import { recordUsage } from '../platform/usage';
import { INCLUDED_SCANNER_DEVICES, meterAmount } from '../../domain/platform/plans';
import { rows } from './rows';

export interface DeviceRow {
  id: number;
  tenant_id: string;
  event_id: number;
  device_name: string;
  device_uuid: string;
  gate_id: number | null;
  staff_ref: string | null;
  status: 'active' | 'inactive';
  last_seen_at: Date | null;
  last_sync_at: Date | null;
  offline_alerted_at: Date | null;
  created_at: Date;
}

const DEVICE_TOKEN_PREFIX = 'usd_';
export const hashDeviceToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The token names its tenant so the realtime server can scope the lookup before it knows anything else. */
export function newDeviceToken(tenantId: string): { token: string; hash: string } {
  const token = `${DEVICE_TOKEN_PREFIX}${Buffer.from(tenantId).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashDeviceToken(token) };
}

export function tenantOfDeviceToken(token: string): string | undefined {
  const m = /^usd_([\w-]{1,200})\.[\w-]{32}$/.exec(token);
  return m ? Buffer.from(m[1], 'base64url').toString() : undefined;
}

export async function deviceByToken(tx: Tx, token: string): Promise<DeviceRow | undefined> {
  return tx('checkin_devices')
    .where({ token_hash: hashDeviceToken(token) })
    .first();
}

export async function getDevice(tx: Tx, id: number): Promise<DeviceRow | undefined> {
  return tx('checkin_devices').where({ id }).first();
}

export async function listDevices(tx: Tx, eventId: number): Promise<DeviceRow[]> {
  return tx('checkin_devices').where({ event_id: eventId }).orderBy('id');
}

/** Registers a device (or re-registers the same uuid, which issues a new token). */
export async function upsertDevice(
  tx: Tx,
  tenantId: string,
  d: Pick<DeviceRow, 'event_id' | 'device_name' | 'device_uuid' | 'gate_id' | 'staff_ref'>,
): Promise<{ device: DeviceRow; token: string }> {
  const { token, hash } = newDeviceToken(tenantId);
  const [device] = await tx('checkin_devices')
    .insert({ ...d, tenant_id: tenantId, token_hash: hash })
    .onConflict(['tenant_id', 'device_uuid'])
    .merge({ ...d, token_hash: hash, status: 'active' })
    .returning('*');
  return { device, token };
}

/** Devices beyond the plan's included ones are billed once per device and month while in use. */
export async function meterExtraDevice(tx: Tx, tenantId: string, device: DeviceRow, at = new Date()): Promise<void> {
  const [{ rank }] = await rows<{ rank: number }>(
    tx,
    "select count(*)::int as rank from checkin_devices where status = 'active' and id <= ?",
    [device.id],
  );
  if (rank <= INCLUDED_SCANNER_DEVICES) return;
  await recordUsage(tx, tenantId, {
    meter: 'checkin.extra_device',
    quantity: 1,
    amountMinor: meterAmount('checkin.extra_device', 1),
    idempotencyKey: `checkin.extra_device:${device.id}:${at.toISOString().slice(0, 7)}`,
    metadata: { device_id: device.id },
    at,
  });
}

export async function updateDevice(
  tx: Tx,
  id: number,
  patch: Partial<Pick<DeviceRow, 'device_name' | 'gate_id' | 'staff_ref' | 'status'>>,
): Promise<DeviceRow> {
  // A PATCH with nothing to change answers the device as it is (knex refuses an empty update).
  const nothing = Object.values(patch).every((v) => v === undefined);
  const [row] = (await (nothing
    ? tx('checkin_devices').where({ id }).select('*')
    : tx('checkin_devices').where({ id }).update(patch).returning('*'))) as DeviceRow[];
  return row;
}

/** An offline upload arrived: the device synced and was seen now. Returns the sync time. */
export async function recordDeviceSync(tx: Tx, id: number): Promise<Date> {
  const [synced] = await tx('checkin_devices')
    .where({ id })
    .update({ last_sync_at: tx.fn.now(), last_seen_at: tx.fn.now() })
    .returning('last_sync_at');
  return synced.last_sync_at;
}

export async function touchDevice(tx: Tx, id: number): Promise<void> {
  await tx('checkin_devices').where({ id }).update({ last_seen_at: tx.fn.now() });
}

/** The device connected: seen now, and a later silence may raise a new offline alert. */
export async function markDeviceOnline(tx: Tx, id: number): Promise<void> {
  await tx('checkin_devices').where({ id }).update({ last_seen_at: tx.fn.now(), offline_alerted_at: null });
}

/**
 * Marks an active device as alerted offline when it has been silent for `silentS` seconds and was
 * not marked since it was last seen: once per silence, however many realtime processes check.
 * Undefined when it was seen since or is already marked.
 */
export async function markDeviceOffline(
  tx: Tx,
  id: number,
  silentS: number,
): Promise<{ id: number; last_seen_at: Date } | undefined> {
  const [stale] = await tx('checkin_devices')
    .where({ id, status: 'active', offline_alerted_at: null })
    .where('last_seen_at', '<', tx.raw('now() - make_interval(secs => ?)', [silentS]))
    .update({ offline_alerted_at: tx.fn.now() })
    .returning(['id', 'last_seen_at']);
  return stale;
}
