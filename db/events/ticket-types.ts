import type { Tx } from '../connection';

export interface TicketTypeRow {
  id: number;
  tenant_id: string;
  event_id: number;
  name: string;
  price_minor: number;
  currency: string;
  inventory: number;
  sold: number;
  sales_start_at: Date | null;
  sales_end_at: Date | null;
  /** Streaming: in person, virtual or both (hybrid). */
  attendance: 'in_person' | 'virtual' | 'both';
  replay_window_hours: number | null;
  created_at: Date;
  updated_at: Date;
}

export async function insertTicketType(
  tx: Tx,
  tenantId: string,
  eventId: number,
  input: Partial<TicketTypeRow>,
): Promise<TicketTypeRow> {
  const [row] = await tx('ticket_types')
    .insert({ ...input, tenant_id: tenantId, event_id: eventId })
    .returning('*');
  return row;
}

export async function getTicketType(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<TicketTypeRow | undefined> {
  const q = tx<TicketTypeRow>('ticket_types').where({ id }).first();
  // `for no key update`, as an order's reservation: tickets being issued for the type still insert.
  return opts.lock ? q.forNoKeyUpdate() : q;
}

export async function listTicketTypes(tx: Tx, eventId: number): Promise<TicketTypeRow[]> {
  return tx<TicketTypeRow>('ticket_types').where({ event_id: eventId }).orderBy('id');
}

/** The given ticket types that belong to the event, by id; others are simply missing from the map. */
export async function ticketTypesOfEvent(tx: Tx, eventId: number, ids: number[]): Promise<Map<number, TicketTypeRow>> {
  const rows = await tx<TicketTypeRow>('ticket_types').whereIn('id', ids).andWhere({ event_id: eventId });
  return new Map(rows.map((r) => [r.id, r]));
}

export async function updateTicketType(tx: Tx, id: number, patch: Partial<TicketTypeRow>): Promise<TicketTypeRow> {
  const [row] = await tx('ticket_types')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}
