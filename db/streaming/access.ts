import type { Tx } from '../connection';
import type { TicketRow } from '../tickets/tickets';
import { DEFAULT_REPLAY_WINDOW_HOURS, replayClosesAt } from '../../domain/streaming/access';

export interface StreamAccessQuery {
  tenantId: string;
  streamId: number;
  customerId: number;
  now: Date;
  /** The tenant's replay window for ticket types without their own (settings `default_replay_window_hours`). */
  defaultReplayHours?: number;
}

/**
 * The customer's ticket that opens the stream, or null: a valid ticket (not refunded, cancelled, voided or transferred)
 * of a virtual or hybrid ticket type of the stream's event; once the stream has ended, only while the ticket type's
 * replay window is open. Of several, the one whose replay lasts longest (then the oldest). Chat admits users with it too.
 */
/**
 * The query behind `streamAccessTicket`, with named bindings :tenantId :streamId :customerId :now, and `defaultHours`
 * the SQL of the replay window for ticket types without their own (a binding by default).
 */
export const streamAccessTicketSql = (defaultHours = ':defaultHours'): string => `select t.*
       from streams s
       join tickets t on t.tenant_id = s.tenant_id and t.event_id = s.event_id
       join ticket_types tt on tt.id = t.ticket_type_id
      where s.tenant_id = :tenantId and s.id = :streamId and t.customer_id = :customerId
        and t.status = 'valid' and tt.attendance in ('virtual', 'both')
        and (s.status <> 'ended'
             or s.ended_at + make_interval(hours => coalesce(tt.replay_window_hours, ${defaultHours})) > :now)
      order by coalesce(tt.replay_window_hours, ${defaultHours}) desc, t.id
      limit 1`;

/** The named bindings of `streamAccessTicketSql`. */
export const streamAccessBindings = (q: StreamAccessQuery) => ({
  tenantId: q.tenantId,
  streamId: q.streamId,
  customerId: q.customerId,
  now: q.now,
  defaultHours: q.defaultReplayHours ?? DEFAULT_REPLAY_WINDOW_HOURS,
});

export async function streamAccessTicket(tx: Tx, q: StreamAccessQuery): Promise<TicketRow | null> {
  const { rows } = await tx.raw<{ rows: TicketRow[] }>(streamAccessTicketSql(), streamAccessBindings(q));
  return rows[0] ?? null;
}

/** When the replay of an ended stream closes for its last holders: the longest window of the event's virtual types. */
export async function replayClosesFor(
  tx: Tx,
  stream: { event_id: number; ended_at: Date },
  defaultHours: number,
): Promise<Date> {
  const [row] = await tx('ticket_types')
    .where({ event_id: stream.event_id })
    .whereIn('attendance', ['virtual', 'both'])
    .max({ hours: tx.raw('coalesce(replay_window_hours, ?)', [defaultHours]) });
  return replayClosesAt(stream.ended_at, (row?.hours as number | null) ?? null, defaultHours);
}

/** Whether the customer holds a valid ticket of the event that opens its streams (virtual or hybrid): a viewer. */
export async function holdsStreamTicket(tx: Tx, eventId: number, customerId: number): Promise<boolean> {
  const row = await tx('tickets as t')
    .join('ticket_types as tt', 'tt.id', 't.ticket_type_id')
    .where({ 't.event_id': eventId, 't.customer_id': customerId, 't.status': 'valid' })
    .whereIn('tt.attendance', ['virtual', 'both'])
    .first('t.id');
  return !!row;
}
