import { precheck, type Direction, type Reason, type Verdict } from '../../domain/checkin/verdict';
import type { NewAlert } from './alerts';
import type { BatchRead, GateLookup, Role, StoredScan, TicketLookup, WrittenScan } from './scan-statements';

// A batch's scans planned into write statements, and each verdict told from what they wrote: no I/O.

export type ScanSource = 'online' | 'offline' | 'http';

export interface ScanInput {
  scanId: string;
  code: string;
  gateId: number;
  deviceId: number | null;
  /** The event the device (or caller) is checking in for; a gate of another event is refused. */
  eventId: number;
  direction: Direction;
  scannedAt: Date;
  source: ScanSource;
}

export interface ScanOutcome {
  scanId: string;
  verdict: Verdict;
  reason: Reason | null;
  direction: Direction;
  eventId: number;
  gateId: number;
  ticket: { id: number; holder_name: string | null; ticket_type: string; ticket_type_id: number } | null;
  firstAdmission: { at: string; gate_id: number | null } | null;
  suspicious: boolean;
  /** The scan id was seen before: this is the stored verdict, nothing was counted again. */
  replayed: boolean;
}

/** A fresh scan as one row of a write statement. */
export interface WriteRow {
  scan: ScanInput;
  role: Role;
  ticket: TicketLookup | undefined;
  /** Set when the verdict was decided before touching presence (role `final`). */
  verdict?: Verdict;
  reason?: Reason | null;
}

/** A batch as read and planned: what its scans refer to and the write statements it takes. */
export interface BatchPlan {
  scans: ScanInput[];
  stored: Map<string, StoredScan>;
  tickets: Map<string, TicketLookup>;
  gates: Map<number, GateLookup>;
  parts: WriteRow[][];
  /** No scan of it can raise an alert or touch a ticket twice: one autocommitted write will do. */
  alertFree: boolean;
}

/** Each scan id once: a scan re-sent within a batch is answered like its first sending. */
export function uniqueScans(input: ScanInput[]): ScanInput[] {
  const unique = new Map<string, ScanInput>();
  for (const s of input) if (!unique.has(s.scanId)) unique.set(s.scanId, s);
  return [...unique.values()];
}

export function planBatch(scans: ScanInput[], read: BatchRead): BatchPlan {
  const stored = new Map(read.stored.map((r) => [r.scan_id, r]));
  const tickets = new Map(read.tickets.map((t) => [t.code, t]));
  const gates = new Map(read.gates.map((g) => [g.id, g]));

  // One statement cannot change a presence row twice: a ticket's entry and exit in one batch go into
  // successive statements, in the order they were scanned; a repeated entry is decided with the first.
  const parts: WriteRow[][] = [[]];
  const lastTouch = new Map<number, { part: number; role: 'entry' | 'exit' }>();
  let alertFree = true;
  for (const s of scans) {
    if (stored.has(s.scanId)) continue;
    const ticket = tickets.get(s.code);
    const gate = gates.get(s.gateId);
    const check =
      !gate || gate.event_id !== s.eventId
        ? { verdict: 'invalid' as const, reason: 'wrong_event' as const }
        : precheck(
            ticket && { eventId: ticket.event_id, ticketTypeId: ticket.ticket_type_id, status: ticket.status },
            { eventId: gate.event_id, status: gate.status, ticketTypeIds: gate.ticket_type_ids?.map(Number) ?? null },
            s.direction,
          );
    if (check.verdict !== 'admissible') {
      parts[0].push({ scan: s, role: 'final', ticket, verdict: check.verdict, reason: check.reason ?? null });
      continue;
    }
    const t = ticket as TicketLookup;
    if (s.direction === 'entry' && (t.present || gate?.is_vip)) alertFree = false;
    const last = lastTouch.get(t.id);
    if (s.direction === 'entry' && last?.role === 'entry') {
      parts[last.part].push({ scan: s, role: 'later', ticket });
      alertFree = false;
      continue;
    }
    const part = last ? last.part + 1 : 0;
    (parts[part] ??= []).push({ scan: s, role: s.direction, ticket });
    lastTouch.set(t.id, { part, role: s.direction });
  }
  return { scans, stored, tickets, gates, parts, alertFree: alertFree && parts.length === 1 };
}

const ticketView = (t: TicketLookup | undefined): ScanOutcome['ticket'] =>
  t ? { id: t.id, holder_name: t.holder_name, ticket_type: t.ticket_type, ticket_type_id: t.ticket_type_id } : null;

/** Each scan's outcome, in input order, and the alerts the batch raises. */
export function decide(
  input: ScanInput[],
  plan: BatchPlan,
  written: Map<string, WrittenScan>,
): { outcomes: ScanOutcome[]; alerts: NewAlert[] } {
  const { tickets, gates, stored } = plan;
  const outcomes = new Map<string, ScanOutcome>();
  const alerts: NewAlert[] = [];
  const suspiciousTickets = new Set<number>();
  for (const s of plan.scans) {
    const ticket = tickets.get(s.code);
    const base = {
      scanId: s.scanId,
      direction: s.direction,
      eventId: s.eventId,
      gateId: s.gateId,
      ticket: ticketView(ticket),
    };
    const w = written.get(s.scanId);
    if (!w?.inserted) {
      const prior = stored.get(s.scanId) as StoredScan;
      outcomes.set(s.scanId, {
        ...base,
        verdict: prior.verdict,
        reason: prior.reason,
        direction: prior.direction,
        firstAdmission: null,
        suspicious: prior.suspicious,
        replayed: true,
      });
      continue;
    }
    const firstAdmission =
      w.verdict === 'already_checked_in' && w.first_at
        ? { at: new Date(w.first_at).toISOString(), gate_id: w.first_gate_id }
        : null;
    outcomes.set(s.scanId, {
      ...base,
      verdict: w.verdict,
      reason: w.reason,
      firstAdmission,
      suspicious: w.suspicious,
      replayed: false,
    });
    const t = ticket as TicketLookup;
    if (w.verdict === 'already_checked_in' && !suspiciousTickets.has(t.id)) {
      suspiciousTickets.add(t.id);
      alerts.push({
        eventId: s.eventId,
        gateId: gates.has(s.gateId) ? s.gateId : null,
        kind: 'suspicious',
        dedupeKey: `suspicious:${t.id}`,
        message: `Ticket ${t.id} was scanned again after its admission`,
        payload: { ticket_id: t.id, scan_id: s.scanId, source: s.source },
      });
    }
    if (w.verdict === 'success' && s.direction === 'entry' && gates.get(s.gateId)?.is_vip) {
      alerts.push({
        eventId: s.eventId,
        gateId: s.gateId,
        kind: 'vip_arrival',
        dedupeKey: `vip:${t.id}:${s.scanId}`,
        message: `VIP ${t.holder_name ?? ''} (${t.ticket_type}) arrived at ${gates.get(s.gateId)?.name ?? 'a VIP gate'}`,
        payload: { ticket_id: t.id, holder_name: t.holder_name, ticket_type: t.ticket_type },
      });
    }
  }
  return { outcomes: input.map((s) => outcomes.get(s.scanId) as ScanOutcome), alerts };
}
