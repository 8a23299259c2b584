import type { Tx } from '../connection';
import { AppError, notFound } from '../../lib/errors';
import { getCustomer } from '../customers/customers';
import { releaseInventory, syncSoldOutStatus } from '../events/inventory';
import { emit } from '../platform/outbox';
import { cancelOrderTickets, insertTickets, listOrderTickets, type TicketRow } from '../tickets/tickets';
import { releaseUpsellLines, settleUpsellLines } from '../upsells/purchases';
import { getOrder, getOrderItems, type OrderRow } from './orders';

/**
 * Marks a pending order paid and issues its tickets; a paid order returns the tickets it already has,
 * so a retried activity never issues twice.
 */
export async function fulfilOrder(
  tx: Tx,
  tenantId: string,
  orderId: number,
  paymentReference?: string,
): Promise<TicketRow[]> {
  const order = await getOrder(tx, orderId, { lock: true });
  if (!order) throw notFound('Order');
  if (order.status === 'paid') return listOrderTickets(tx, orderId);
  if (order.status !== 'pending') throw new AppError(409, 'order_not_payable', `Order ${orderId} is ${order.status}`);

  const customer = await getCustomer(tx, order.customer_id);
  const items = await getOrderItems(tx, orderId);
  const tickets = await insertTickets(
    tx,
    tenantId,
    items.flatMap((item) =>
      Array.from({ length: item.quantity }, (_, i) => ({
        event_id: order.event_id,
        order_id: orderId,
        ticket_type_id: item.ticket_type_id,
        customer_id: order.customer_id,
        code: item.ticket_codes?.[i],
        holder_name: customer?.name ?? null,
        holder_email: customer?.email ?? null,
      })),
    ),
  );
  await tx('orders')
    .where({ id: orderId })
    .update({
      status: 'paid',
      paid_at: tx.fn.now(),
      payment_reference: paymentReference ?? order.payment_reference,
      updated_at: tx.fn.now(),
    });
  await settleUpsellLines(tx, tenantId, order, { orderId, withOrder: true });
  await emit(tx, tenantId, {
    type: 'order.created',
    aggregateType: 'order',
    aggregateId: orderId,
    payload: {
      order_id: orderId,
      event_id: order.event_id,
      customer_id: order.customer_id,
      total_minor: order.total_minor,
      currency: order.currency,
      ticket_ids: tickets.map((t) => t.id),
    },
  });
  return tickets;
}

/** Gives a pending or paid order's seats back to inventory and closes it; closing twice is a no-op. */
export async function closeOrder(
  tx: Tx,
  tenantId: string,
  orderId: number,
  status: 'cancelled' | 'expired' | 'failed',
  reason: string,
): Promise<OrderRow> {
  const order = await getOrder(tx, orderId, { lock: true });
  if (!order) throw notFound('Order');
  if (['cancelled', 'expired', 'failed'].includes(order.status)) return order;
  if (order.status !== 'pending' && !(order.status === 'paid' && status === 'cancelled')) {
    throw new AppError(409, 'order_not_closable', `Order ${orderId} is ${order.status}`);
  }
  for (const item of (await getOrderItems(tx, orderId)).sort((a, b) => a.ticket_type_id - b.ticket_type_id)) {
    await releaseInventory(tx, item.ticket_type_id, item.quantity);
  }
  const releasedTicketIds = await cancelOrderTickets(tx, orderId);
  await releaseUpsellLines(tx, { orderId, withOrder: false });
  const [updated] = (await tx('orders')
    .where({ id: orderId })
    .update({ status, updated_at: tx.fn.now() })
    .returning('*')) as OrderRow[];
  await syncSoldOutStatus(tx, tenantId, order.event_id);
  await emit(tx, tenantId, {
    type: `order.${status}`,
    aggregateType: 'order',
    aggregateId: orderId,
    payload: { order_id: orderId, event_id: order.event_id, reason, released_ticket_ids: releasedTicketIds },
  });
  return updated;
}
