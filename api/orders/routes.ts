import { withTenant, type Tx } from '../../db/connection';
import { closeOrder } from '../../db/orders/fulfilment';
import { getOrder, listOrders, type OrderRow, type PaymentProviderName } from '../../db/orders/orders';
import { placeOrder } from '../../db/orders/placement';
import { bookCredit } from '../../db/refunds/store-credit';
import { unprocessable } from '../../lib/errors';
import { confirmPaymentSignal, failPaymentSignal, orderFulfilmentWorkflowId } from '../../workflows/orders/contract';
import type { PaymentResult } from '../../integrations/payments/provider';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams, mapInOrder, page, toPage } from '../schemas/common';
import { CancelOrder, CreateOrder, Order, OrderQuery } from './schemas';
import { resolveCustomer, startPaymentAndFulfilment, waitForFulfilment, type CreateOrderBody } from './service';
import { loadOrderView } from './view';

async function loadOwnOrder(tx: Tx, auth: Auth, id: number): Promise<OrderRow> {
  return visibleTo(auth, await getOrder(tx, id), (o) => o.customer_id, 'Order');
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
        channel: body.channel,
        promoCode: body.promo_code,
        quoteToken: body.quote_token,
        upsells: body.upsells?.map((u) => ({
          productId: u.product_id,
          quantity: u.quantity,
          variant: u.variant,
          offerId: u.offer_id,
        })),
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
        body: { ...toPage(rows, query.limit), items: await mapInOrder(rows, (o) => loadOrderView(tx, o)) },
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
