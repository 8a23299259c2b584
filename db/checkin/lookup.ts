import type { Tx } from '../connection';
import { rows } from './rows';

export interface PresenceLookup {
  ticket_id: number;
  inside: boolean;
  first_admitted_at: Date;
  first_gate_id: number | null;
  first_scan_id: string;
}

export interface LookupRow {
  id: number;
  code: string;
  status: string;
  event_id: number;
  order_number: string;
  holder_name: string | null;
  holder_email: string | null;
  ticket_type: string;
  ticket_type_id: number;
}

const LOOKUP_SELECT = `select t.id, t.code, t.status, t.event_id, o.order_number, coalesce(t.holder_name, c.name) as holder_name,
  coalesce(t.holder_email, c.email) as holder_email, tt.name as ticket_type, t.ticket_type_id
  from tickets t join ticket_types tt on tt.id = t.ticket_type_id join customers c on c.id = t.customer_id join orders o on o.id = t.order_id`;

export async function lookupTicket(tx: Tx, code: string): Promise<LookupRow | undefined> {
  return (await rows<LookupRow>(tx, `${LOOKUP_SELECT} where t.code = ?`, [code]))[0];
}

/** Manual fallback at the desk: by part of the holder's or buyer's name or e-mail, or the exact order number. */
export async function searchTickets(tx: Tx, eventId: number, q: string, limit: number): Promise<LookupRow[]> {
  const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  return rows<LookupRow>(
    tx,
    `${LOOKUP_SELECT} where t.event_id = ? and (o.order_number = ? or c.name ilike ? or c.email ilike ?
    or t.holder_name ilike ? or t.holder_email ilike ?) order by t.id limit ?`,
    [eventId, q, like, like, like, like, limit],
  );
}

export async function presenceOf(tx: Tx, ticketId: number): Promise<PresenceLookup | undefined> {
  return tx('checkin_presence')
    .where({ ticket_id: ticketId })
    .first('ticket_id', 'inside', 'first_admitted_at', 'first_gate_id', 'first_scan_id');
}

/** The first ticket of the customer admitted to the event (what makes them a verified attendee), if any. */
export async function checkedInTicketOf(
  tx: Tx,
  eventId: number,
  customerId: number,
): Promise<{ ticket_id: number; first_admitted_at: Date } | undefined> {
  return tx('checkin_presence as p')
    .join('tickets as t', 't.id', 'p.ticket_id')
    .where({ 'p.event_id': eventId, 't.customer_id': customerId })
    .orderBy('p.first_admitted_at')
    .first('p.ticket_id', 'p.first_admitted_at');
}

export async function scansOfTicket(
  tx: Tx,
  ticketId: number,
): Promise<
  {
    scan_id: string;
    verdict: string;
    reason: string | null;
    direction: string;
    gate_id: number | null;
    source: string;
    suspicious: boolean;
    scanned_at: Date;
  }[]
> {
  return tx('checkin_scans')
    .where({ ticket_id: ticketId })
    .orderBy('scanned_at')
    .limit(100)
    .select('scan_id', 'verdict', 'reason', 'direction', 'gate_id', 'source', 'suspicious', 'scanned_at');
}

export interface ManifestRow {
  ticket_id: number;
  code: string;
  status: string;
  holder_name: string | null;
  ticket_type: string;
  ticket_type_id: number;
  updated_at: Date;
}

/** Tickets of an event changed after the cursor (`<epoch micros>:<id>`), oldest change first. */
export async function manifestPage(
  tx: Tx,
  eventId: number,
  cursor: { micros: number; id: number } | undefined,
  limit: number,
): Promise<(ManifestRow & { micros: number })[]> {
  const after = cursor
    ? 'and (floor(extract(epoch from t.updated_at) * 1000000)::bigint, t.id) > (?::bigint, ?::bigint)'
    : '';
  return rows<ManifestRow & { micros: number }>(
    tx,
    `
    select t.id as ticket_id, t.code, t.status, coalesce(t.holder_name, c.name) as holder_name, tt.name as ticket_type, t.ticket_type_id,
      floor(extract(epoch from t.updated_at) * 1000000)::bigint as micros
    from tickets t join ticket_types tt on tt.id = t.ticket_type_id join customers c on c.id = t.customer_id
    where t.event_id = ? ${after}
    order by floor(extract(epoch from t.updated_at) * 1000000)::bigint, t.id limit ?`,
    cursor ? [eventId, cursor.micros, cursor.id, limit] : [eventId, limit],
  );
}
