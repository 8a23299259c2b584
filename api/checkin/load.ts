import { getDevice, type DeviceRow } from '../../db/checkin/devices';
import { getGate, type GateRow } from '../../db/checkin/gates';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { notFound } from '../../lib/errors';

/** What every check-in route shares: its OpenAPI tag and the add-on it is gated on. */
export const checkin = { tags: ['Check-in'], module: 'checkin' as const };

export async function loadEvent(tx: Tx, id: number) {
  const event = await getEvent(tx, id);
  if (!event) throw notFound('Event');
  return event;
}

export async function loadGate(tx: Tx, id: number, lock = false): Promise<GateRow> {
  const gate = await getGate(tx, id, { lock });
  if (!gate) throw notFound('Gate');
  return gate;
}

export async function loadDevice(tx: Tx, id: number): Promise<DeviceRow> {
  const device = await getDevice(tx, id);
  if (!device) throw notFound('Device');
  return device;
}
