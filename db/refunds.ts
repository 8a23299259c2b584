import type { Tx } from './connection';
import { conflict, notFound, unprocessable } from '../lib/errors';
import {
  isWithinPolicy,
  NO_POLICY,
  PolicyRules,
  quote,
  quoteToJson,
  type Quote,
  type QuoteJson,
  type RequestType,
} from '../domain/refunds/policy';
import type { EventPayload } from '../domain/catalogue';
import { meterAmount } from '../domain/platform/plans';
import { upsertCustomer } from './customers';
import { getEvent, getTicketType, syncSoldOutStatus } from './events';
import { fulfilOrder, getOrder, getOrderItems, placeOrder, type OrderRow } from './orders';
import { emit } from './outbox';
import { appendAudit, type AuditActor } from './platform/audit';
import { recordUsage } from './platform/usage';
import { bookCredit } from './store-credit';
import { cancelTickets, insertTickets, type TicketRow } from './tickets';

export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'processed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface TransferTarget {
  name: string;
  email: string;
}
export interface ExchangeTarget {
  event_id: number;
  ticket_type_id: number;
  unit_price_minor: number;
}

export interface RefundRequestRow {
  id: number;
  tenant_id: string;
  order_id: number;
  event_id: number;
  customer_id: number;
  type: RequestType;
  reason: string | null;
  status: RequestStatus;
  within_policy: boolean;
  currency: string;
  original_amount_minor: number;
  refund_amount_minor: number;
  fee_amount_minor: number;
  quote: QuoteJson & { policy_source: string };
  details: { transfer_to?: TransferTarget; exchange_to?: ExchangeTarget };
  payment_refund_id: string | null;
  decided_by: string | null;
  decision_note: string | null;
  decided_at: Date | null;
  processed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface RequestTicketRow {
  request_id: number;
  ticket_id: number;
  paid_minor: number;
  new_ticket_id: number | null;
  active: boolean;
}

export interface PolicyRow {
  id: number;
  event_id: number | null;
  name: string;
  rules: PolicyRules;
  is_default: boolean;
  created_at: Date;
  updated_at: Date;
}

/** The event's own policy, else the tenant default, else none (everything goes to staff). */
export async function getEffectivePolicy(
  tx: Tx,
  eventId: number,
): Promise<{ rules: PolicyRules; policy?: PolicyRow; source: 'event' | 'default' | 'none' }> {
  const rows = await tx<PolicyRow>('refund_policies').where({ event_id: eventId }).orWhereNull('event_id');
  const policy = rows.find((r) => r.event_id === eventId) ?? rows.find((r) => r.event_id === null);
  if (!policy) return { rules: NO_POLICY, source: 'none' };
  return { rules: PolicyRules.parse(policy.rules), policy, source: policy.event_id === null ? 'default' : 'event' };
}

/** Sets the event's policy (or the tenant default, for `eventId` null), replacing the previous one. */
export async function savePolicy(
  tx: Tx,
  tenantId: string,
  eventId: number | null,
  input: { name: string; rules: PolicyRules },
): Promise<PolicyRow> {
  const match =
    eventId === null ? tx('refund_policies').whereNull('event_id') : tx('refund_policies').where({ event_id: eventId });
  const [updated] = (await match
    .update({ name: input.name, rules: JSON.stringify(input.rules), updated_at: tx.fn.now() })
    .returning('*')) as PolicyRow[];
  if (updated) return updated;
  const [row] = (await tx('refund_policies')
    .insert({ tenant_id: tenantId, event_id: eventId, name: input.name, rules: JSON.stringify(input.rules) })
    .returning('*')) as PolicyRow[];
  return row;
}

export interface TicketLine {
  ticket: TicketRow;
  paidMinor: number;
}

/**
 * The order's tickets a request covers (all still-valid ones when none are named), with what was
 * paid for each. Locks them when a request is being made, so racing requests queue.
 */
export async function loadTicketLines(
  tx: Tx,
  order: OrderRow,
  ticketIds: number[] | undefined,
  opts: { lock?: boolean } = {},
): Promise<TicketLine[]> {
  const q = tx<TicketRow>('tickets').where({ order_id: order.id }).orderBy('id');
  if (ticketIds) q.whereIn('id', ticketIds);
  else q.where({ status: 'valid' });
  const tickets = opts.lock ? await q.forUpdate() : await q;
  if (ticketIds) {
    const missing = ticketIds.filter((id) => !tickets.some((t) => t.id === id));
    if (missing.length)
      throw unprocessable('ticket_not_in_order', `Tickets ${missing.join(', ')} are not part of order ${order.id}`, {
        ticket_ids: missing,
      });
    const invalid = tickets.filter((t) => t.status !== 'valid');
    if (invalid.length)
      throw conflict('ticket_not_valid', `Ticket ${invalid[0].id} is ${invalid[0].status}`, {
        ticket_id: invalid[0].id,
        ticket_status: invalid[0].status,
      });
  }
  if (!tickets.length) throw conflict('no_valid_tickets', `Order ${order.id} has no valid tickets`);
  const prices = new Map((await getOrderItems(tx, order.id)).map((i) => [i.ticket_type_id, i.unit_price_minor]));
  return tickets.map((ticket) => ({ ticket, paidMinor: prices.get(ticket.ticket_type_id) ?? 0 }));
}

export async function quoteTickets(
  tx: Tx,
  order: OrderRow,
  lines: TicketLine[],
  now = new Date(),
): Promise<{ quote: Quote; policySource: string }> {
  const event = await getEvent(tx, order.event_id);
  if (!event) throw notFound('Event');
  const { rules, source } = await getEffectivePolicy(tx, order.event_id);
  return {
    quote: quote(rules, {
      eventStartsAt: event.starts_at,
      timeZone: event.timezone,
      now,
      currency: order.currency.trim(),
      paidMinor: lines.map((l) => l.paidMinor),
    }),
    policySource: source,
  };
}

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
 * Locks the ticket types whose stock a request moves, in id order, before anything references the
 * event: order placement takes ticket types first and the event last, so taking them in the same
 * order here means concurrent refunds and orders queue instead of deadlocking. The lock is the one
 * an UPDATE takes (no key update), so it does not block ticket inserts that reference the type.
 */
async function lockTicketTypes(tx: Tx, ids: number[]): Promise<void> {
  await tx('ticket_types')
    .whereIn('id', [...new Set(ids)])
    .orderBy('id')
    .forNoKeyUpdate()
    .select('id');
}

/**
 * Records a request for tickets that are in no other live request; one inside the policy is
 * approved in the same transaction, so its effects (tickets cancelled, seats released) are
 * visible as soon as the caller gets its answer.
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
    payload: payloadOf(request),
  });
  if (within)
    return approveRefundRequest(tx, tenantId, request.id, {
      actor: { type: 'system', id: 'refund-policy' },
      note: 'within policy',
    });
  return request;
}

export async function getRefundRequest(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<RefundRequestRow | undefined> {
  const q = tx<RefundRequestRow>('refund_requests').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function getRequestTickets(tx: Tx, requestId: number): Promise<RequestTicketRow[]> {
  return tx<RequestTicketRow>('refund_request_tickets').where({ request_id: requestId }).orderBy('ticket_id');
}

export async function listRefundRequests(
  tx: Tx,
  filter: { status?: RequestStatus; customerId?: number; orderId?: number; after?: number; limit: number },
): Promise<RefundRequestRow[]> {
  const q = tx<RefundRequestRow>('refund_requests').orderBy('id').limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  if (filter.customerId) q.where('customer_id', filter.customerId);
  if (filter.orderId) q.where('order_id', filter.orderId);
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}

const payloadOf = (r: RefundRequestRow): EventPayload<'refund.requested'> => ({
  request_id: r.id,
  type: r.type,
  status: r.status,
  order_id: r.order_id,
  event_id: r.event_id,
  customer_id: r.customer_id,
  currency: r.currency.trim(),
  refund_amount_minor: r.refund_amount_minor,
  fee_amount_minor: r.fee_amount_minor,
});

/** The old code stops scanning (status `transferred`); the new holder gets a new code for the same seat. */
async function transferTickets(
  tx: Tx,
  tenantId: string,
  requestId: number,
  tickets: TicketRow[],
  to: TransferTarget,
): Promise<void> {
  const { row: holder } = await upsertCustomer(tx, tenantId, { email: to.email, name: to.name });
  for (const old of tickets) {
    const [fresh] = await insertTickets(tx, tenantId, [
      {
        event_id: old.event_id,
        order_id: old.order_id,
        ticket_type_id: old.ticket_type_id,
        customer_id: holder.id,
        holder_name: to.name,
        holder_email: to.email,
        section: old.section,
        seat: old.seat,
      },
    ]);
    await tx('tickets')
      .where({ id: old.id })
      .update({ status: 'transferred', replaced_by_ticket_id: fresh.id, updated_at: tx.fn.now() });
    await tx('refund_request_tickets')
      .where({ request_id: requestId, ticket_id: old.id })
      .update({ new_ticket_id: fresh.id });
    await emit(tx, tenantId, {
      type: 'ticket.transferred',
      aggregateType: 'ticket',
      aggregateId: old.id,
      payload: {
        ticket_id: old.id,
        old_ticket_id: old.id,
        new_ticket_id: fresh.id,
        event_id: old.event_id,
        ticket_type_id: old.ticket_type_id,
        new_customer_id: holder.id,
      },
    });
  }
}

/**
 * Moves the tickets to another date or type: a new order for the new tickets, paid through the
 * customer's credit ledger (old tickets' price in, new price out), so an upgrade spends credit and
 * fails with 422 `insufficient_credit` without enough; a downgrade's surplus goes back to the card
 * (returned for the workflow to refund) or stays as credit when the order was paid with credit.
 * The old codes are voided and their seats released.
 */
async function exchangeTickets(
  tx: Tx,
  tenantId: string,
  request: RefundRequestRow,
  tickets: TicketRow[],
): Promise<number> {
  const target = request.details.exchange_to as ExchangeTarget;
  const original = (await getOrder(tx, request.order_id)) as OrderRow;
  const currency = original.currency.trim();
  const { order } = await placeOrder(tx, tenantId, {
    eventId: target.event_id,
    customerId: request.customer_id,
    provider: 'credit',
    lines: [{ ticketTypeId: target.ticket_type_id, quantity: tickets.length }],
  });
  await bookCredit(tx, tenantId, {
    customerId: request.customer_id,
    currency,
    amountMinor: request.original_amount_minor,
    kind: 'exchange',
    idempotencyKey: `exchange-in-${request.id}`,
    refundRequestId: request.id,
    orderId: original.id,
    note: 'value of the exchanged tickets',
  });
  if (order.total_minor > 0) {
    await bookCredit(tx, tenantId, {
      customerId: request.customer_id,
      currency,
      amountMinor: -order.total_minor,
      kind: 'order_payment',
      idempotencyKey: `order-payment-${order.id}`,
      refundRequestId: request.id,
      orderId: order.id,
    });
  }
  const surplus = request.original_amount_minor - order.total_minor;
  const toCard = surplus > 0 && original.payment_provider !== 'credit' ? surplus : 0;
  if (toCard) {
    await bookCredit(tx, tenantId, {
      customerId: request.customer_id,
      currency,
      amountMinor: -toCard,
      kind: 'exchange',
      idempotencyKey: `exchange-out-${request.id}`,
      refundRequestId: request.id,
      note: 'price difference refunded to the original payment',
    });
  }
  const fresh = await fulfilOrder(tx, tenantId, order.id, `exchange_${request.id}`);
  for (const [i, old] of [...tickets].sort((a, b) => a.id - b.id).entries()) {
    await tx('tickets')
      .where({ id: old.id })
      .update({ status: 'voided', replaced_by_ticket_id: fresh[i].id, updated_at: tx.fn.now() });
    await tx('ticket_types').where({ id: old.ticket_type_id }).decrement('sold', 1);
    await tx('refund_request_tickets')
      .where({ request_id: request.id, ticket_id: old.id })
      .update({ new_ticket_id: fresh[i].id });
    const ids = { ticket_id: old.id, event_id: old.event_id, ticket_type_id: old.ticket_type_id };
    await emit(tx, tenantId, [
      {
        type: 'ticket.voided',
        aggregateType: 'ticket',
        aggregateId: old.id,
        payload: { ...ids, old_ticket_id: old.id, new_ticket_id: fresh[i].id, reason: 'exchanged' },
      },
      // The seat is free again: what the waitlist listens for.
      { type: 'ticket.cancelled', aggregateType: 'ticket', aggregateId: old.id, payload: ids },
    ]);
  }
  for (const eventId of new Set(tickets.map((t) => t.event_id))) await syncSoldOutStatus(tx, tenantId, eventId);
  return toCard;
}

export interface Decision {
  actor: AuditActor;
  note?: string;
  amountMinor?: number;
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

  let refundAmount = before.refund_amount_minor;
  if (before.type === 'refund' || before.type === 'credit') {
    // Staff approving an exception without naming an amount give back what was paid.
    refundAmount = decision.amountMinor ?? (before.refund_amount_minor || before.original_amount_minor);
    if (refundAmount > before.original_amount_minor)
      throw unprocessable('amount_exceeds_paid', `At most ${before.original_amount_minor} can be refunded`);
  }
  const tickets = await tx<TicketRow>('tickets')
    .whereIn(
      'id',
      (await getRequestTickets(tx, id)).map((l) => l.ticket_id),
    )
    .forUpdate();
  await lockTicketTypes(tx, [
    ...tickets.map((t) => t.ticket_type_id),
    ...(before.details.exchange_to ? [before.details.exchange_to.ticket_type_id] : []),
  ]);
  const notValid = tickets.find((t) => t.status !== 'valid');
  if (notValid) throw conflict('ticket_not_valid', `Ticket ${notValid.id} is ${notValid.status}`);
  if (before.type === 'transfer')
    await transferTickets(tx, tenantId, id, tickets, before.details.transfer_to as TransferTarget);
  else if (before.type === 'exchange') refundAmount = await exchangeTickets(tx, tenantId, before, tickets);
  else await cancelTickets(tx, tenantId, tickets);

  const [after] = (await tx('refund_requests')
    .where({ id })
    .update({
      status: 'approved',
      refund_amount_minor: refundAmount,
      decided_by: `${decision.actor.type}:${decision.actor.id}`,
      decision_note: decision.note ?? null,
      decided_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    })
    .returning('*')) as RefundRequestRow[];
  await appendAudit(tx, tenantId, {
    actor: decision.actor,
    action: 'refund.approve',
    entityType: 'refund_request',
    entityId: id,
    before: { status: before.status },
    after: { status: 'approved', refund_amount_minor: refundAmount, note: decision.note },
  });
  await emit(tx, tenantId, {
    type: 'refund.approved',
    aggregateType: 'refund_request',
    aggregateId: id,
    payload: payloadOf(after),
  });
  return after;
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
  const [after] = (await tx('refund_requests')
    .where({ id })
    .update({
      status: 'rejected',
      decided_by: `${decision.actor.type}:${decision.actor.id}`,
      decision_note: decision.note ?? null,
      decided_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    })
    .returning('*')) as RefundRequestRow[];
  await appendAudit(tx, tenantId, {
    actor: decision.actor,
    action: 'refund.reject',
    entityType: 'refund_request',
    entityId: id,
    before: { status: before.status },
    after: { status: 'rejected', note: decision.note },
  });
  await emit(tx, tenantId, {
    type: 'refund.rejected',
    aggregateType: 'refund_request',
    aggregateId: id,
    payload: { ...payloadOf(after), note: decision.note ?? null },
  });
  return after;
}

/** Where the money of an approved request goes back to. */
export type RefundRoute =
  { kind: 'provider'; order: OrderRow } | { kind: 'credit' } | { kind: 'external' } | { kind: 'none' };

export async function refundRouteFor(tx: Tx, request: RefundRequestRow, providerName: string): Promise<RefundRoute> {
  if (request.type === 'credit') return { kind: 'credit' };
  if (request.type === 'transfer' || request.refund_amount_minor === 0) return { kind: 'none' };
  const order = (await getOrder(tx, request.order_id)) as OrderRow;
  // An exchange paid with credit kept its surplus on the ledger already.
  if (order.payment_provider === 'credit') return { kind: request.type === 'exchange' ? 'none' : 'credit' };
  if (order.payment_provider === providerName && order.payment_reference) return { kind: 'provider', order };
  return { kind: 'external' };
}

/**
 * Books what the approved request gives back (store credit, or the provider's refund reference),
 * meters the 2% processing fee on it, and closes the request; completing twice is a no-op.
 */
export async function completeRefundRequest(
  tx: Tx,
  tenantId: string,
  id: number,
  outcome: { paymentRefundId: string | null; route: RefundRoute['kind']; workflowId: string },
): Promise<RefundRequestRow> {
  const before = await getRefundRequest(tx, id, { lock: true });
  if (!before) throw notFound('Refund request');
  if (before.status === 'processed') return before;
  if (before.status !== 'approved') throw conflict('request_not_approved', `Request ${id} is ${before.status}`);
  const currency = before.currency.trim();
  if (outcome.route === 'credit' && before.refund_amount_minor > 0) {
    await bookCredit(tx, tenantId, {
      customerId: before.customer_id,
      currency,
      amountMinor: before.refund_amount_minor,
      kind: 'refund_credit',
      idempotencyKey: `refund-request-${id}`,
      refundRequestId: id,
      orderId: before.order_id,
    });
  }
  if (before.refund_amount_minor > 0 && (outcome.route === 'credit' || outcome.route === 'provider')) {
    await recordUsage(tx, tenantId, {
      meter: 'refunds.processing',
      quantity: 1,
      amountMinor: meterAmount('refunds.processing', 1, before.refund_amount_minor),
      idempotencyKey: `refunds.processing:${id}`,
      metadata: { request_id: id, refunded_minor: before.refund_amount_minor, currency },
    });
  }
  const [after] = (await tx('refund_requests')
    .where({ id })
    .update({
      status: 'processed',
      payment_refund_id: outcome.paymentRefundId,
      processed_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    })
    .returning('*')) as RefundRequestRow[];
  await appendAudit(tx, tenantId, {
    actor: { type: 'workflow', id: outcome.workflowId },
    action: 'refund.process',
    entityType: 'refund_request',
    entityId: id,
    before: { status: before.status },
    after: { status: 'processed', route: outcome.route, payment_refund_id: outcome.paymentRefundId },
  });
  await emit(tx, tenantId, {
    type: 'refund.processed',
    aggregateType: 'refund_request',
    aggregateId: id,
    payload: { ...payloadOf(after), route: outcome.route, payment_refund_id: outcome.paymentRefundId },
  });
  return after;
}
