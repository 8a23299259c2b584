import type { Tx } from '../connection';
import { upsertCustomer } from '../customers/customers';
import { syncSoldOutStatus } from '../events/inventory';
import { fulfilOrder } from '../orders/fulfilment';
import { getOrder, type OrderRow } from '../orders/orders';
import { placeOrder } from '../orders/placement';
import { emit } from '../platform/outbox';
import { insertTickets, type TicketRow } from '../tickets/tickets';
import type { ExchangeTarget, RefundRequestRow, TransferTarget } from './requests';
import { bookCredit } from './store-credit';

/** Records which new ticket replaced one of the request's tickets. */
async function linkReplacement(tx: Tx, requestId: number, ticketId: number, newTicketId: number): Promise<void> {
  await tx('refund_request_tickets')
    .where({ request_id: requestId, ticket_id: ticketId })
    .update({ new_ticket_id: newTicketId });
}

/** The old code stops scanning (status `transferred`); the new holder gets a new code for the same seat. */
export async function transferTickets(
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
    await linkReplacement(tx, requestId, old.id, fresh.id);
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
export async function exchangeTickets(
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
    await linkReplacement(tx, request.id, old.id, fresh[i].id);
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
