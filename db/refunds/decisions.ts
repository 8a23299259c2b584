import type { Tx } from '../connection';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import { appendAudit, type AuditActor } from '../platform/audit';
import { emit } from '../platform/outbox';
import { cancelTickets, type TicketRow } from '../tickets/tickets';
import { exchangeTickets, transferTickets } from './exchanges';
import {
  getRefundRequest,
  getRequestTickets,
  lockTicketTypes,
  requestPayload,
  type RefundRequestRow,
  type TransferTarget,
} from './requests';

export interface Decision {
  actor: AuditActor;
  note?: string;
  amountMinor?: number;
  /**
   * Cancels the tickets of a refund or credit without giving their seats back here: the request is
   * marked `seats_pending` and `releasePendingSeats` gives them back after commit, so this
   * transaction never waits on the ticket type's row (the hot row while an event is refunded).
   */
  deferSeats?: boolean;
}

/**
 * Approves a pending request and applies its effect on tickets at once (cancelled for refunds and
 * credit, reissued for transfers and exchanges); the money moves afterwards, in the request's workflow.
 * Approving an approved request is a no-op, so a retried activity is safe.
 */
export async function approveRefundRequest(
  tx: Tx,
  tenantId: string,
  id: number,
  decision: Decision,
): Promise<RefundRequestRow> {
  const before = await getRefundRequest(tx, id, { lock: true });
  if (!before) throw notFound('Refund request');
  if (before.status === 'approved' || before.status === 'processed') return before;
  if (before.status !== 'pending') throw conflict('request_not_pending', `Request ${id} is ${before.status}`);
  const tickets = await tx<TicketRow>('tickets')
    .whereIn(
      'id',
      (await getRequestTickets(tx, id)).map((l) => l.ticket_id),
    )
    .forUpdate();
  return applyApproval(tx, tenantId, before, tickets, decision);
}

/**
 * `approveRefundRequest` of a pending request whose row and tickets the caller holds locked: what a
 * request approved as it is made needs, without reading back what it has just written.
 */
export async function applyApproval(
  tx: Tx,
  tenantId: string,
  before: RefundRequestRow,
  tickets: TicketRow[],
  decision: Decision,
): Promise<RefundRequestRow> {
  const { id } = before;
  let refundAmount = before.refund_amount_minor;
  if (before.type === 'refund' || before.type === 'credit') {
    // Staff approving an exception without naming an amount give back what was paid.
    refundAmount = decision.amountMinor ?? (before.refund_amount_minor || before.original_amount_minor);
    if (refundAmount > before.original_amount_minor)
      throw unprocessable('amount_exceeds_paid', `At most ${before.original_amount_minor} can be refunded`);
  }
  const deferSeats = decision.deferSeats === true && (before.type === 'refund' || before.type === 'credit');
  if (!deferSeats)
    await lockTicketTypes(tx, [
      ...tickets.map((t) => t.ticket_type_id),
      ...(before.details.exchange_to ? [before.details.exchange_to.ticket_type_id] : []),
    ]);
  const notValid = tickets.find((t) => t.status !== 'valid');
  if (notValid) throw conflict('ticket_not_valid', `Ticket ${notValid.id} is ${notValid.status}`);
  if (before.type === 'transfer')
    await transferTickets(tx, tenantId, id, tickets, before.details.transfer_to as TransferTarget);
  else if (before.type === 'exchange') refundAmount = await exchangeTickets(tx, tenantId, before, tickets);
  else if (deferSeats) await cancelKeepingSeats(tx, tenantId, tickets);
  else await cancelTickets(tx, tenantId, tickets);

  const after = await recordDecision(
    tx,
    tenantId,
    before,
    decision,
    'refund.approve',
    { status: 'approved', refund_amount_minor: refundAmount },
    { seats_pending: deferSeats },
  );
  await emit(tx, tenantId, {
    type: 'refund.approved',
    aggregateType: 'refund_request',
    aggregateId: id,
    payload: requestPayload(after),
  });
  return after;
}

/** `cancelTickets` but for the seats, which `releasePendingSeats` gives back: the same rows and events. */
async function cancelKeepingSeats(tx: Tx, tenantId: string, tickets: TicketRow[]): Promise<void> {
  await tx('tickets')
    .whereIn(
      'id',
      tickets.map((t) => t.id),
    )
    .update({ status: 'cancelled', updated_at: tx.fn.now() });
  await emit(
    tx,
    tenantId,
    tickets.map((t) => ({
      type: 'ticket.cancelled',
      aggregateType: 'ticket',
      aggregateId: t.id,
      payload: { ticket_id: t.id, event_id: t.event_id, ticket_type_id: t.ticket_type_id },
    })),
  );
}

/** Rejects a pending request: its tickets stay valid and may be asked about again. */
export async function rejectRefundRequest(
  tx: Tx,
  tenantId: string,
  id: number,
  decision: Decision,
): Promise<RefundRequestRow> {
  const before = await getRefundRequest(tx, id, { lock: true });
  if (!before) throw notFound('Refund request');
  if (before.status === 'rejected') return before;
  if (before.status !== 'pending') throw conflict('request_not_pending', `Request ${id} is ${before.status}`);
  await tx('refund_request_tickets').where({ request_id: id }).update({ active: false });
  const after = await recordDecision(tx, tenantId, before, decision, 'refund.reject', { status: 'rejected' });
  await emit(tx, tenantId, {
    type: 'refund.rejected',
    aggregateType: 'refund_request',
    aggregateId: id,
    payload: { ...requestPayload(after), note: decision.note ?? null },
  });
  return after;
}

/** Writes a decision on the request's row and into the audit trail, the same way for approvals and rejections. */
async function recordDecision(
  tx: Tx,
  tenantId: string,
  before: RefundRequestRow,
  decision: Decision,
  action: 'refund.approve' | 'refund.reject',
  change: { status: 'approved' | 'rejected'; refund_amount_minor?: number },
  bookkeeping: { seats_pending?: boolean } = {},
): Promise<RefundRequestRow> {
  const [after] = (await tx('refund_requests')
    .where({ id: before.id })
    .update({
      ...change,
      ...bookkeeping,
      decided_by: `${decision.actor.type}:${decision.actor.id}`,
      decision_note: decision.note ?? null,
      decided_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    })
    .returning('*')) as RefundRequestRow[];
  await appendAudit(tx, tenantId, {
    actor: decision.actor,
    action,
    entityType: 'refund_request',
    entityId: before.id,
    before: { status: before.status },
    after: { ...change, note: decision.note },
  });
  return after;
}
