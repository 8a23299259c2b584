import type { Tx } from '../connection';
import { conflict, unprocessable } from '../../lib/errors';
import { isWithinPolicy, quoteToJson, type RequestType } from '../../domain/refunds/policy';
import { getTicketType } from '../events/ticket-types';
import type { OrderRow } from '../orders/orders';
import type { AuditActor } from '../platform/audit';
import { emit } from '../platform/outbox';
import { applyApproval } from './decisions';
import { loadTicketLines, quoteTickets, type TicketLine } from './quotes';
import {
  lockTicketTypes,
  requestPayload,
  type ExchangeTarget,
  type RefundRequestRow,
  type TransferTarget,
} from './requests';

export interface NewRequest {
  order: OrderRow;
  ticketIds?: number[];
  type: RequestType;
  reason?: string;
  transferTo?: TransferTarget;
  exchangeTo?: { ticketTypeId: number };
  actor: AuditActor;
}

/** The ticket type an exchange moves to: another of this tenant's, in the order's currency. */
async function resolveExchangeTarget(
  tx: Tx,
  order: OrderRow,
  lines: TicketLine[],
  ticketTypeId: number,
): Promise<ExchangeTarget> {
  const tt = await getTicketType(tx, ticketTypeId);
  if (!tt) throw unprocessable('unknown_ticket_type', `Ticket type ${ticketTypeId} does not exist`);
  if (tt.currency.trim() !== order.currency.trim())
    throw unprocessable(
      'currency_mismatch',
      `Ticket type ${ticketTypeId} is sold in ${tt.currency.trim()}, the order was paid in ${order.currency.trim()}`,
    );
  if (lines.some((l) => l.ticket.ticket_type_id === tt.id))
    throw unprocessable('same_ticket_type', 'The tickets already are of this type');
  return { event_id: tt.event_id, ticket_type_id: tt.id, unit_price_minor: tt.price_minor };
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

/**
 * Records a request for tickets that are in no other live request; one inside the policy is
 * approved in the same transaction, so its tickets are cancelled as soon as the caller gets its
 * answer. A refund's or credit's seats are owed (`seats_pending`): the caller gives them back
 * with `releasePendingSeats` after commit, and completing the request does should it not.
 */
export async function createRefundRequest(tx: Tx, tenantId: string, input: NewRequest): Promise<RefundRequestRow> {
  if (input.order.status !== 'paid')
    throw conflict('order_not_paid', `Order ${input.order.id} is ${input.order.status}`);
  const lines = await loadTicketLines(tx, input.order, input.ticketIds, { lock: true });
  const live = await tx('refund_request_tickets')
    .whereIn(
      'ticket_id',
      lines.map((l) => l.ticket.id),
    )
    .andWhere({ active: true })
    .first('request_id', 'ticket_id');
  if (live)
    throw conflict('request_exists', `Ticket ${live.ticket_id} is already in request ${live.request_id}`, {
      request_id: live.request_id,
    });
  if (input.type === 'transfer' && !input.transferTo)
    throw unprocessable('transfer_target_required', 'A transfer needs transfer_to with the new holder');
  if (input.type === 'exchange' && !input.exchangeTo)
    throw unprocessable('exchange_target_required', 'An exchange needs exchange_to with the new ticket type');
  const exchangeTo =
    input.exchangeTo && (await resolveExchangeTarget(tx, input.order, lines, input.exchangeTo.ticketTypeId));

  // A refund or credit gives its seats back after commit (`releasePendingSeats`), so it locks no
  // ticket type: requests for other tickets of the type never queue behind this one.
  const movesStock = input.type === 'exchange' || input.type === 'transfer';
  if (movesStock)
    await lockTicketTypes(tx, [
      ...lines.map((l) => l.ticket.ticket_type_id),
      ...(exchangeTo ? [exchangeTo.ticket_type_id] : []),
    ]);
  const { quote: q, policySource } = await quoteTickets(tx, input.order, lines);
  const within = isWithinPolicy(q, input.type);
  const proposed =
    input.type === 'refund'
      ? { refund: q.refund.amountMinor, fee: q.refund.feeMinor }
      : input.type === 'credit'
        ? { refund: q.paidMinor, fee: 0 }
        : { refund: exchangeTo ? Math.max(q.paidMinor - exchangeTo.unit_price_minor * lines.length, 0) : 0, fee: 0 };
  const [request] = (await tx('refund_requests')
    .insert({
      tenant_id: tenantId,
      order_id: input.order.id,
      event_id: input.order.event_id,
      customer_id: input.order.customer_id,
      type: input.type,
      reason: input.reason ?? null,
      status: 'pending',
      within_policy: within,
      currency: input.order.currency,
      original_amount_minor: q.paidMinor,
      refund_amount_minor: proposed.refund,
      fee_amount_minor: proposed.fee,
      quote: JSON.stringify({ ...quoteToJson(q), policy_source: policySource }),
      details: JSON.stringify({
        ...(input.transferTo && { transfer_to: input.transferTo }),
        ...(exchangeTo && { exchange_to: exchangeTo }),
      }),
    })
    .returning('*')) as RefundRequestRow[];
  try {
    await tx('refund_request_tickets').insert(
      lines.map((l) => ({
        tenant_id: tenantId,
        request_id: request.id,
        ticket_id: l.ticket.id,
        paid_minor: l.paidMinor,
      })),
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('request_exists', 'These tickets are already in another request');
    throw err;
  }
  await emit(tx, tenantId, {
    type: 'refund.requested',
    aggregateType: 'refund_request',
    aggregateId: request.id,
    payload: requestPayload(request),
  });
  if (within)
    return applyApproval(
      tx,
      tenantId,
      request,
      lines.map((l) => l.ticket),
      { actor: { type: 'system', id: 'refund-policy' }, note: 'within policy', deferSeats: !movesStock },
    );
  return request;
}
