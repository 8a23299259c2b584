import type { Tx } from '../connection';

export interface GateRow {
  id: number;
  tenant_id: string;
  event_id: number;
  name: string;
  location: string | null;
  capacity_limit: number | null;
  is_vip: boolean;
  ticket_type_ids: number[] | null;
  /** Admits add-on vouchers (parking, meet & greet) besides tickets (upsells). */
  accepts_vouchers: boolean;
  /** One group code admits every ticket of the group, each once (groups-gate). */
  admits_group_codes: boolean;
  status: 'open' | 'closed';
  created_at: Date;
  updated_at: Date;
}

export async function getGate(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<GateRow | undefined> {
  const q = tx('checkin_gates').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function insertGate(
  tx: Tx,
  tenantId: string,
  gate: Pick<GateRow, 'event_id' | 'name' | 'location' | 'capacity_limit' | 'is_vip' | 'ticket_type_ids'> &
    Partial<Pick<GateRow, 'accepts_vouchers' | 'admits_group_codes'>>, // admits_group_codes: groups-gate
): Promise<GateRow> {
  const [row] = await tx('checkin_gates')
    .insert({ ...gate, tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function updateGate(tx: Tx, id: number, patch: Partial<GateRow>): Promise<GateRow> {
  const [row] = await tx('checkin_gates')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export async function listGates(tx: Tx, eventId: number): Promise<GateRow[]> {
  return tx('checkin_gates').where({ event_id: eventId }).orderBy('id');
}

/** How many of `ids` are ticket types of the event. */
export async function countTicketTypesOfEvent(tx: Tx, eventId: number, ids: number[]): Promise<number> {
  const found = await tx('ticket_types')
    .where({ event_id: eventId })
    .whereIn('id', ids)
    .count<{ n: string }[]>('* as n');
  return Number(found[0].n);
}

export interface StaffRow {
  tenant_id: string;
  gate_id: number;
  staff_ref: string;
  name: string;
  assigned_at: Date;
}

/** Assigns a staff member to a gate; assigning again renames them. */
export async function assignStaff(
  tx: Tx,
  tenantId: string,
  staff: Pick<StaffRow, 'gate_id' | 'staff_ref' | 'name'>,
): Promise<StaffRow> {
  const [row] = await tx('checkin_gate_staff')
    .insert({ ...staff, tenant_id: tenantId })
    .onConflict(['gate_id', 'staff_ref'])
    .merge({ name: staff.name })
    .returning('*');
  return row;
}

export async function listStaff(tx: Tx, gateId: number): Promise<StaffRow[]> {
  return tx('checkin_gate_staff').where({ gate_id: gateId }).orderBy('assigned_at');
}

/** False when the staff member was not assigned to the gate. */
export async function unassignStaff(tx: Tx, gateId: number, staffRef: string): Promise<boolean> {
  return (await tx('checkin_gate_staff').where({ gate_id: gateId, staff_ref: staffRef }).delete()) > 0;
}
