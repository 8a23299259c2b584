import type { Tx } from '../connection';
import { conflict, notFound } from '../../lib/errors';
import { meterAmount } from '../../domain/platform/plans';
import { getOrder, type OrderRow } from '../orders/orders';
import { appendAudit } from '../platform/audit';
import { emit } from '../platform/outbox';
import { recordUsage } from '../platform/usage';
import { getRefundRequest, requestPayload, type RefundRequestRow } from './requests';
import { releasePendingSeats } from './seats';
import { bookCredit } from './store-credit';

/** Where the money of an approved request goes back to. */
export type RefundRoute =
  { kind: 'provider'; order: OrderRow } | { kind: 'credit' } | { kind: 'external' } | { kind: 'none' };

/** The route of a request that needs no look at its order, if it is one. */
const orderlessRoute = (request: RefundRequestRow): RefundRoute | undefined =>
  request.type === 'credit'
    ? { kind: 'credit' }
    : request.type === 'transfer' || request.refund_amount_minor === 0
      ? { kind: 'none' }
      : undefined;

function routeViaOrder(request: RefundRequestRow, order: OrderRow, providerName: string): RefundRoute {
  // An exchange paid with credit kept its surplus on the ledger already.
  if (order.payment_provider === 'credit') return { kind: request.type === 'exchange' ? 'none' : 'credit' };
  if (order.payment_provider === providerName && order.payment_reference) return { kind: 'provider', order };
  return { kind: 'external' };
}

export async function refundRouteFor(tx: Tx, request: RefundRequestRow, providerName: string): Promise<RefundRoute> {
  return (
    orderlessRoute(request) ?? routeViaOrder(request, (await getOrder(tx, request.order_id)) as OrderRow, providerName)
  );
}

/** `refundRouteFor` of many requests, their orders read in one statement. */
export async function refundRoutesFor(
  tx: Tx,
  requests: RefundRequestRow[],
  providerName: string,
): Promise<RefundRoute[]> {
  const orderIds = requests.filter((r) => !orderlessRoute(r)).map((r) => r.order_id);
  const orders = new Map(
    (orderIds.length ? await tx<OrderRow>('orders').whereIn('id', orderIds) : []).map((o) => [o.id, o]),
  );
  return requests.map((r) => orderlessRoute(r) ?? routeViaOrder(r, orders.get(r.order_id) as OrderRow, providerName));
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
  // Seats still owed because the process that approved the request died before giving them back.
  if (before.seats_pending) await releasePendingSeats(tx, tenantId, [id]);
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
    payload: { ...requestPayload(after), route: outcome.route, payment_refund_id: outcome.paymentRefundId },
  });
  return after;
}
