import type { Tx } from '../connection';

export const ORDER_STATUSES = ['pending', 'paid', 'cancelled', 'expired', 'failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** Where an order was taken (the `orders.channel` check constraint). */
export const ORDER_CHANNELS = ['web', 'box_office', 'app', 'partner', 'phone', 'other'] as const;
export type OrderChannel = (typeof ORDER_CHANNELS)[number];
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
