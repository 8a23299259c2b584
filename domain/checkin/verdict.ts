/** What a scanner shows: green for success, red for the rest. */
export const VERDICTS = ['success', 'already_checked_in', 'invalid', 'cancelled'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Why a scan was refused, beyond the verdict itself. */
export const REASONS = [
  'unknown_code',
  'voided',
  'transferred',
  'wrong_event',
  'gate_closed',
  'ticket_type_not_admitted',
  'not_inside',
  'reentry_not_allowed',
] as const;
export type Reason = (typeof REASONS)[number];

export type Direction = 'entry' | 'exit';

export interface TicketFacts {
  eventId: number;
  ticketTypeId: number;
  status: 'valid' | 'cancelled' | 'voided' | 'transferred';
}

export interface GateFacts {
  eventId: number;
  status: 'open' | 'closed';
  /** Null admits every ticket type. */
  ticketTypeIds: readonly number[] | null;
}

export type Precheck =
  { verdict: Exclude<Verdict, 'success' | 'already_checked_in'>; reason?: Reason } | { verdict: 'admissible' };

/**
 * Everything about a scan that does not depend on earlier admissions. Whether an admissible scan
 * succeeds is then decided by Postgres (one presence row per ticket).
 */
export function precheck(ticket: TicketFacts | undefined, gate: GateFacts, direction: Direction): Precheck {
  if (!ticket) return { verdict: 'invalid', reason: 'unknown_code' };
  if (ticket.status === 'cancelled') return { verdict: 'cancelled' };
  if (ticket.status === 'voided' || ticket.status === 'transferred')
    return { verdict: 'invalid', reason: ticket.status };
  if (ticket.eventId !== gate.eventId) return { verdict: 'invalid', reason: 'wrong_event' };
  if (direction === 'exit') return { verdict: 'admissible' };
  if (gate.status === 'closed') return { verdict: 'invalid', reason: 'gate_closed' };
  if (gate.ticketTypeIds && !gate.ticketTypeIds.includes(ticket.ticketTypeId))
    return { verdict: 'invalid', reason: 'ticket_type_not_admitted' };
  return { verdict: 'admissible' };
}

export const CAPACITY_LEVELS = [80, 90, 100] as const;

/**
 * Which capacity levels are exceeded at `count` of `capacity`. Alerts fire when a level flips from
 * not exceeded to exceeded, so each crossing fires once.
 */
export function levelsReached(count: number, capacity: number | null): number[] {
  if (!capacity || capacity <= 0) return [];
  return CAPACITY_LEVELS.filter((level) => count * 100 >= capacity * level);
}

/** Check-ins per minute over the trailing window, from per-minute counts. */
export function ratePerMinute(perMinute: { minute: Date; count: number }[], now: Date, windowMinutes = 5): number {
  const since = now.getTime() - windowMinutes * 60_000;
  const total = perMinute.filter((m) => m.minute.getTime() >= since).reduce((s, m) => s + m.count, 0);
  return Math.round((total / windowMinutes) * 10) / 10;
}

/** A device is offline when it is active but has not been heard from within the heartbeat timeout. */
export function deviceStatus(
  d: { status: 'active' | 'inactive'; last_seen_at: Date | null },
  now: Date,
  heartbeatTimeoutS: number,
): 'active' | 'inactive' | 'offline' {
  if (d.status === 'inactive') return 'inactive';
  if (!d.last_seen_at || now.getTime() - d.last_seen_at.getTime() > heartbeatTimeoutS * 1000) return 'offline';
  return 'active';
}
