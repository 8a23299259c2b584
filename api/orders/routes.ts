import { type z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Tx } from '../../db/connection';
import { withTenant } from '../../db/connection';
import { getCustomer, unknownCustomer, upsertCustomer, type CustomerRef } from '../../db/customers';
import {
  closeOrder,
  getOrder,
  getOrderItems,
  listOrders,
  placeOrder,
  recordPaymentAttempt,
  type OrderRow,
  type PaymentProviderName,
} from '../../db/orders';
import { bookCredit } from '../../db/store-credit';
import { listTickets } from '../../db/tickets';
import { AppError, notFound, unprocessable } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import { searchAttributes } from '../../workflows/search-attributes';
import {
  confirmPaymentSignal,
  failPaymentSignal,
  orderFulfilmentWorkflowId,
  orderFulfilmentWorkflowType,
  type OrderFulfilmentInput,
} from '../../workflows/orders/contract';
import type { PaymentResult } from '../../integrations/payments/provider';
import type { RouterDeps } from '../deps';
import { defineRoute, type Auth } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import { toTicket } from '../tickets/routes';
import { CancelOrder, CreateOrder, Order, OrderQuery } from './schemas';

type CreateOrderBody = z.output<typeof CreateOrder>;

/** How long the API waits for an already-paid order's tickets before answering without them. */
const FULFIL_WAIT_MS = 10_000;

export async function loadOrderView(tx: Tx, order: OrderRow, note?: string): Promise<z.infer<typeof Order>> {
  const [items, tickets] = await Promise.all([
    getOrderItems(tx, order.id),
    listTickets(tx, { orderId: order.id, limit: 1000 }),
  ]);
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
    created_at: order.created_at.toISOString(),
    paid_at: isoOrNull(order.paid_at),
  };
}

async function loadOwnOrder(tx: Tx, auth: Auth, id: number): Promise<OrderRow> {
  const order = await getOrder(tx, id);
  if (!order || (auth.kind === 'customer' && order.customer_id !== auth.customerId)) throw notFound('Order');
  return order;
}

/** The customer a call acts for: a token's own, or (for a tenant key) exactly one of `customer_id` or `customer`. */
export function customerRef(auth: Auth, body: Pick<CreateOrderBody, 'customer_id' | 'customer'>): CustomerRef {
  if (auth.kind === 'customer') {
    if (body.customer_id !== undefined || body.customer)
      throw unprocessable('customer_fixed_by_token', 'A customer token acts for its own customer');
    return { id: auth.customerId, known: true };
  }
  if ((body.customer_id === undefined) === (body.customer === undefined)) {
    throw new AppError(400, 'validation_failed', 'Give exactly one of customer_id or customer', {
      errors: [{ path: 'body.customer_id', message: 'give exactly one of customer_id or customer', code: 'custom' }],
    });
  }
  return body.customer ? { upsert: body.customer } : { id: body.customer_id as number, known: false };
}

export async function resolveCustomer(
  tx: Tx,
  auth: Auth,
  body: Pick<CreateOrderBody, 'customer_id' | 'customer'>,
): Promise<number> {
  const ref = customerRef(auth, body);
  if ('upsert' in ref) return (await upsertCustomer(tx, auth.tenantId, ref.upsert)).row.id;
  if (!ref.known && !(await getCustomer(tx, ref.id))) throw unknownCustomer();
  return ref.id;
}

function resolveProvider(deps: RouterDeps, auth: Auth, body: CreateOrderBody): PaymentProviderName {
  const requested = body.payment?.provider ?? deps.payments.name;
  if (requested === 'credit') {
    if (body.items.some((i) => i.codes))
      throw unprocessable('codes_only_for_external', 'Ticket codes can only be given for externally paid orders');
    return requested;
  }
  if (requested === 'external') {
    if (auth.kind === 'customer')
      throw unprocessable('provider_not_allowed', 'Customers cannot record externally paid orders');
    if (!body.payment?.reference)
      throw unprocessable('payment_reference_required', 'An externally paid order needs payment.reference');
    return requested;
  }
  if (requested !== deps.payments.name)
    throw unprocessable('provider_not_configured', `This deployment takes payments through ${deps.payments.name}`);
  if (body.items.some((i) => i.codes))
    throw unprocessable('codes_only_for_external', 'Ticket codes can only be given for externally paid orders');
  return requested;
}

function assertCodesMatch(body: CreateOrderBody): void {
  for (const item of body.items) {
    if (item.codes && item.codes.length !== item.quantity) {
      throw unprocessable(
        'codes_quantity_mismatch',
        `Ticket type ${item.ticket_type_id}: ${item.codes.length} codes for ${item.quantity} tickets`,
      );
    }
  }
}

/** Spends the order's total from the customer's store credit; the ledger entry is the payment reference. */
async function payWithCredit(tx: Tx, tenantId: string, order: OrderRow): Promise<string> {
  if (order.total_minor === 0) return 'credit_free';
  const entry = await bookCredit(tx, tenantId, {
    customerId: order.customer_id,
    currency: order.currency.trim(),
    amountMinor: -order.total_minor,
    kind: 'order_payment',
    orderId: order.id,
    idempotencyKey: `order-payment-${order.id}`,
  });
  return `credit_${entry.id}`;
}

/**
 * After the order is committed: start its fulfilment workflow, then take payment. The workflow
 * starts first so that seats are always released if payment never completes.
 */
export async function startPaymentAndFulfilment(
  deps: RouterDeps,
  tenantId: string,
  order: OrderRow,
  body: Pick<CreateOrderBody, 'payment'>,
  paidReference?: string,
): Promise<PaymentResult | undefined> {
  const handle = await startIdempotent(deps.temporal, orderFulfilmentWorkflowType, {
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowId: orderFulfilmentWorkflowId(tenantId, order.id),
    args: [
      {
        tenantId,
        orderId: order.id,
        eventId: order.event_id,
        paymentTimeoutMs: deps.config.PAYMENT_TIMEOUT_S * 1000,
        paymentReference: paidReference,
      } satisfies OrderFulfilmentInput,
    ],
    typedSearchAttributes: searchAttributes(tenantId, order.event_id),
  });
  if (paidReference !== undefined) return undefined;

  let payment: PaymentResult;
  try {
    payment = await deps.payments.createPayment({
      amountMinor: order.total_minor,
      currency: order.currency.trim(),
      idempotencyKey: `order-${tenantId}-${order.id}`,
      description: `Order ${order.order_number}`,
      metadata: { tenant_id: tenantId, order_id: String(order.id) },
      paymentMethod: body.payment?.payment_method,
    });
  } catch (err) {
    await handle.signal(failPaymentSignal, { reason: 'payment provider declined or failed' });
    deps.logger.warn({ err, orderId: order.id }, 'payment failed');
    throw new AppError(402, 'payment_failed', 'The payment could not be taken; the order was released', {
      order_id: order.id,
    });
  }
  await withTenant(deps.db, tenantId, (tx) =>
    recordPaymentAttempt(tx, order.id, payment.reference, payment.clientSecret ?? null),
  );
  if (payment.status === 'succeeded') await handle.signal(confirmPaymentSignal, { reference: payment.reference });
  if (payment.status === 'failed') await handle.signal(failPaymentSignal, { reason: 'payment failed' });
  return payment;
}

export async function waitForFulfilment(temporal: Client, tenantId: string, orderId: number): Promise<void> {
  const result = temporal.workflow.getHandle(orderFulfilmentWorkflowId(tenantId, orderId)).result();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    result,
    new Promise((resolve) => {
      timer = setTimeout(resolve, FULFIL_WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function orderRoutes(deps: RouterDeps): void {
  const tags = ['Orders'];

  defineRoute(deps, {
    method: 'post',
    path: '/api/orders',
    summary: 'Place an order: reserves inventory atomically, takes payment, issues tickets',
    tags,
    access: { scope: 'write', customer: true },
    body: CreateOrder,
    idempotent: true,
    responses: { 201: { description: 'Order placed; tickets included once paid', schema: Order } },
    handler: async ({ tx, auth, body, afterCommit }) => {
      assertCodesMatch(body);
      const provider = resolveProvider(deps, auth, body);
      const customerId = await resolveCustomer(tx, auth, body);
      const { order } = await placeOrder(tx, auth.tenantId, {
        eventId: body.event_id,
        customerId,
        provider,
        externalRef: body.external_ref,
        lines: body.items.map((i) => ({ ticketTypeId: i.ticket_type_id, quantity: i.quantity, codes: i.codes })),
      });
      // Store credit is spent in the order's own transaction: without enough of it, nothing is reserved.
      const paidReference =
        provider === 'credit'
          ? await payWithCredit(tx, auth.tenantId, order)
          : provider === 'external'
            ? body.payment?.reference
            : undefined;
      let payment: PaymentResult | undefined;
      afterCommit(async () => {
        payment = await startPaymentAndFulfilment(deps, auth.tenantId, order, body, paidReference);
        if (!payment || payment.status === 'succeeded') await waitForFulfilment(deps.temporal, auth.tenantId, order.id);
      });
      return {
        status: 201,
        headers: { Location: `/api/orders/${order.id}` },
        body: () =>
          withTenant(deps.db, auth.tenantId, async (t) =>
            loadOrderView(t, (await getOrder(t, order.id)) as OrderRow, payment?.note),
          ),
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/orders',
    summary: 'List orders, or find one by order number',
    tags,
    access: { scope: 'read', customer: true },
    query: OrderQuery,
    responses: { 200: { description: 'Orders', schema: page(Order) } },
    handler: async ({ tx, auth, query }) => {
      const customerId = auth.kind === 'customer' ? auth.customerId : query.customer_id;
      const rows = await listOrders(tx, { ...query, eventId: query.event_id, customerId });
      return {
        body: { ...toPage(rows, query.limit), items: await Promise.all(rows.map((o) => loadOrderView(tx, o))) },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/orders/{id}',
    summary: 'Get an order with its tickets',
    tags,
    access: { scope: 'read', customer: true },
    params: IdParams,
    responses: { 200: { description: 'Order', schema: Order } },
    handler: async ({ tx, auth, params }) => ({
      body: await loadOrderView(tx, await loadOwnOrder(tx, auth, params.id)),
    }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/orders/{id}/confirm-payment',
    summary: 'Check the payment with the provider and issue tickets once it succeeded',
    tags,
    access: { scope: 'write', customer: true },
    params: IdParams,
    responses: { 200: { description: 'Order', schema: Order } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const order = await loadOwnOrder(tx, auth, params.id);
      if (order.status === 'pending') {
        if (!order.payment_reference || order.payment_provider !== deps.payments.name)
          throw unprocessable('no_payment_to_confirm', 'This order has no payment in progress');
        const status = await deps.payments.getPaymentStatus(order.payment_reference);
        if (status !== 'succeeded') throw unprocessable('payment_not_completed', `The payment is ${status}`);
        afterCommit(async () => {
          await deps.temporal.workflow
            .getHandle(orderFulfilmentWorkflowId(auth.tenantId, order.id))
            .signal(confirmPaymentSignal, { reference: order.payment_reference as string });
          await waitForFulfilment(deps.temporal, auth.tenantId, order.id);
        });
      }
      return {
        body: () =>
          withTenant(deps.db, auth.tenantId, async (t) => loadOrderView(t, (await getOrder(t, order.id)) as OrderRow)),
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/orders/{id}/cancel',
    summary: 'Cancel an order: its tickets stop scanning and its seats are released',
    tags,
    access: { scope: 'write' },
    params: IdParams,
    body: CancelOrder,
    responses: { 200: { description: 'Cancelled', schema: Order } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const before = await loadOwnOrder(tx, auth, params.id);
      const order = await closeOrder(tx, auth.tenantId, params.id, 'cancelled', body.reason ?? 'cancelled by tenant');
      if (before.status === 'pending') {
        afterCommit(() =>
          deps.temporal.workflow
            .getHandle(orderFulfilmentWorkflowId(auth.tenantId, order.id))
            .signal(failPaymentSignal, { reason: 'order cancelled' })
            .catch(() => undefined),
        );
      }
      return { body: await loadOrderView(tx, order) };
    },
  });
}
