import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getOrderItems, type OrderRow } from '../../db/orders/orders';
import { listTickets } from '../../db/tickets/tickets';
import { isoOrNull } from '../schemas/common';
import { toTicket } from '../tickets/view';
import { loadOrderUpsells } from '../upsells/purchases-view';
import type { Order } from './schemas';

export async function loadOrderView(tx: Tx, order: OrderRow, note?: string): Promise<z.infer<typeof Order>> {
  // One after the other: both run on the transaction's one connection.
  const items = await getOrderItems(tx, order.id);
  const tickets = await listTickets(tx, { orderId: order.id, limit: 1000 });
  const upsells = await loadOrderUpsells(tx, order.id);
  return {
    id: order.id,
    order_number: order.order_number,
    status: order.status,
    event_id: order.event_id,
    customer_id: order.customer_id,
    currency: order.currency.trim(),
    total_minor: order.total_minor,
    external_ref: order.external_ref,
    payment: {
      provider: order.payment_provider,
      reference: order.payment_reference,
      client_secret: order.status === 'pending' ? order.payment_client_secret : null,
      ...(note ? { note } : {}),
    },
    items: items.map((i) => ({
      ticket_type_id: i.ticket_type_id,
      quantity: i.quantity,
      unit_price_minor: i.unit_price_minor,
    })),
    tickets: tickets.map(toTicket),
    ...upsells,
    created_at: order.created_at.toISOString(),
    paid_at: isoOrNull(order.paid_at),
  };
}
