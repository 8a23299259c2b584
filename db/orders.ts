import type { Tx } from './connection';
import { AppError, notFound } from '../lib/errors';
import { formatOrderNumber, priceOrder } from '../domain/orders/pricing';
import { isSellable } from '../domain/events/lifecycle';
import { getEvent, syncSoldOutStatus, type TicketTypeRow } from './events';
import { emit } from './outbox';
import { insertTickets, type TicketRow } from './tickets';

export const ORDER_STATUSES = ['pending', 'paid', 'cancelled', 'expired', 'failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type PaymentProviderName = 'offline' | 'stripe' | 'external' | 'credit';

export interface OrderRow {
  id: number;
  tenant_id: string;
  event_id: number;
  customer_id: number;
  order_number: string;
  status: OrderStatus;
  currency: string;
  total_minor: number;
  payment_provider: PaymentProviderName;
  payment_reference: string | null;
  payment_client_secret: string | null;
  paid_at: Date | null;
  external_ref: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface OrderItemRow {
  id: number;
  order_id: number;
  ticket_type_id: number;
  quantity: number;
  unit_price_minor: number;
  ticket_codes: string[] | null;
}

export interface OrderLineInput {
  ticketTypeId: number;
  quantity: number;
  codes?: string[];
  /** A price other than the ticket type's list price: a resale sells at the listing's price plus fee. */
  unitPriceMinor?: number;
}

export interface PlaceOrderInput {
  eventId: number;
  customerId: number;
  lines: OrderLineInput[];
  provider: PaymentProviderName;
  externalRef?: string;
  now?: Date;
  /**
   * The seats are already counted in `sold`: a waitlist hold or a resold ticket changes hands. Such
   * an order skips the sale-window and sold-out checks (the hold is why the event is sold out).
   */
  reserved?: boolean;
}

async function loadTicketTypes(tx: Tx, eventId: number, ids: number[]): Promise<Map<number, TicketTypeRow>> {
  const rows = await tx<TicketTypeRow>('ticket_types').whereIn('id', ids).andWhere({ event_id: eventId });
  return new Map(rows.map((r) => [r.id, r]));
}

function assertOnSaleWindow(tt: TicketTypeRow, now: Date): void {
  if ((tt.sales_start_at && now < tt.sales_start_at) || (tt.sales_end_at && now > tt.sales_end_at)) {
    throw new AppError(422, 'not_on_sale', `Ticket type ${tt.id} is not on sale at this time`, {
      ticket_type_id: tt.id,
    });
  }
}

/**
 * Reserves inventory and records the order in one transaction. Each reservation is a conditional
 * update (`sold + n <= inventory`), taken in ticket-type order so concurrent orders never deadlock:
 * Postgres, not the process, decides who gets the last ticket.
 */
export async function placeOrder(
  tx: Tx,
  tenantId: string,
  input: PlaceOrderInput,
): Promise<{ order: OrderRow; items: OrderItemRow[] }> {
  const now = input.now ?? new Date();
  const event = await getEvent(tx, input.eventId);
  if (!event) throw notFound('Event');
  if (input.reserved ? ['ended', 'cancelled'].includes(event.status) : !isSellable(event.status)) {
    const code = event.status === 'sold_out' ? 'sold_out' : 'event_not_on_sale';
    throw new AppError(event.status === 'sold_out' ? 409 : 422, code, `The event is ${event.status.replace('_', ' ')}`);
  }
  const types = await loadTicketTypes(
    tx,
    input.eventId,
    input.lines.map((l) => l.ticketTypeId),
  );
  const lines = input.lines.map((l) => {
    const tt = types.get(l.ticketTypeId);
    if (!tt)
      throw new AppError(422, 'unknown_ticket_type', `Ticket type ${l.ticketTypeId} does not belong to this event`, {
        ticket_type_id: l.ticketTypeId,
      });
    if (!input.reserved) assertOnSaleWindow(tt, now);
    return { ...l, unitPriceMinor: l.unitPriceMinor ?? tt.price_minor, currency: tt.currency.trim() };
  });
  const priced = priceOrder(lines);
  if (!priced.ok) throw new AppError(422, priced.code, `The order cannot be priced: ${priced.code.replace(/_/g, ' ')}`);

  const soldOutTypes: number[] = [];
  for (const line of input.reserved ? [] : [...lines].sort((a, b) => a.ticketTypeId - b.ticketTypeId)) {
    const [row] = await tx('ticket_types')
      .where({ id: line.ticketTypeId })
      .andWhereRaw('sold + ? <= inventory', [line.quantity])
      .increment('sold', line.quantity)
      .returning(['sold', 'inventory']);
    if (!row) {
      const remaining = (types.get(line.ticketTypeId)?.inventory ?? 0) - (types.get(line.ticketTypeId)?.sold ?? 0);
      throw new AppError(409, 'sold_out', `Not enough tickets left of type ${line.ticketTypeId}`, {
        ticket_type_id: line.ticketTypeId,
        requested: line.quantity,
        remaining: Math.max(remaining, 0),
      });
    }
    if (row.sold === row.inventory) soldOutTypes.push(line.ticketTypeId);
  }

  const [{ seq }] = (await tx.raw("select nextval('order_number_seq')::bigint as seq")).rows as { seq: number }[];
  const [order] = (await tx('orders')
    .insert({
      tenant_id: tenantId,
      event_id: input.eventId,
      customer_id: input.customerId,
      order_number: formatOrderNumber(Number(seq)),
      currency: priced.currency,
      total_minor: priced.totalMinor,
      payment_provider: input.provider,
      external_ref: input.externalRef ?? null,
    })
    .returning('*')) as OrderRow[];
  const items = (await tx('order_items')
    .insert(
      lines.map((l) => ({
        tenant_id: tenantId,
        order_id: order.id,
        ticket_type_id: l.ticketTypeId,
        quantity: l.quantity,
        unit_price_minor: l.unitPriceMinor,
        ticket_codes: l.codes ?? null,
      })),
    )
    .returning('*')) as OrderItemRow[];

  await emit(
    tx,
    tenantId,
    soldOutTypes.map((id) => ({
      type: 'ticket_type.sold_out',
      aggregateType: 'ticket_type',
      aggregateId: id,
      payload: { ticket_type_id: id, event_id: input.eventId },
    })),
  );
  if (!input.reserved) await syncSoldOutStatus(tx, tenantId, input.eventId);
  await emit(tx, tenantId, {
    type: 'order.placed',
    aggregateType: 'order',
    aggregateId: order.id,
    payload: { order_id: order.id, event_id: input.eventId, total_minor: order.total_minor, currency: order.currency },
  });
  return { order, items };
}

export async function getOrder(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<OrderRow | undefined> {
  const q = tx<OrderRow>('orders').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function getOrderItems(tx: Tx, orderId: number): Promise<OrderItemRow[]> {
  return tx<OrderItemRow>('order_items').where({ order_id: orderId }).orderBy('id');
}

export async function listOrders(
  tx: Tx,
  filter: { eventId?: number; customerId?: number; status?: OrderStatus; q?: string; after?: number; limit: number },
): Promise<OrderRow[]> {
  const q = tx<OrderRow>('orders').orderBy('id').limit(filter.limit);
  if (filter.eventId) q.where('event_id', filter.eventId);
  if (filter.customerId) q.where('customer_id', filter.customerId);
  if (filter.status) q.where('status', filter.status);
  if (filter.q) q.where('order_number', filter.q.toUpperCase());
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}

export async function recordPaymentAttempt(
  tx: Tx,
  orderId: number,
  reference: string,
  clientSecret: string | null,
): Promise<void> {
  await tx('orders')
    .where({ id: orderId })
    .update({ payment_reference: reference, payment_client_secret: clientSecret, updated_at: tx.fn.now() });
}

export async function findOrderByPaymentReference(
  tx: Tx,
  provider: PaymentProviderName,
  reference: string,
): Promise<OrderRow | undefined> {
  return tx<OrderRow>('orders').where({ payment_provider: provider, payment_reference: reference }).first();
}

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
  if (order.status === 'paid') return tx<TicketRow>('tickets').where({ order_id: orderId }).orderBy('id');
  if (order.status !== 'pending') throw new AppError(409, 'order_not_payable', `Order ${orderId} is ${order.status}`);

  const customer = await tx('customers').where({ id: order.customer_id }).first('name', 'email');
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
    await tx('ticket_types').where({ id: item.ticket_type_id }).decrement('sold', item.quantity);
  }
  const cancelled = await tx('tickets')
    .where({ order_id: orderId, status: 'valid' })
    .update({ status: 'cancelled', updated_at: tx.fn.now() })
    .returning('id');
  const [updated] = (await tx('orders')
    .where({ id: orderId })
    .update({ status, updated_at: tx.fn.now() })
    .returning('*')) as OrderRow[];
  await syncSoldOutStatus(tx, tenantId, order.event_id);
  await emit(tx, tenantId, {
    type: `order.${status}`,
    aggregateType: 'order',
    aggregateId: orderId,
    payload: {
      order_id: orderId,
      event_id: order.event_id,
      reason,
      released_ticket_ids: cancelled.map((r: { id: number }) => r.id),
    },
  });
  return updated;
}
