import type { z } from 'zod';
import type { Client } from '@temporalio/client';
import { withTenant, type Tx } from '../../db/connection';
import { getCustomer, unknownCustomer, upsertCustomer, type CustomerRef } from '../../db/customers/customers';
import { recordPaymentAttempt, type OrderRow } from '../../db/orders/orders';
import type { PaymentResult } from '../../integrations/payments/provider';
import { AppError, unprocessable } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  confirmPaymentSignal,
  failPaymentSignal,
  orderFulfilmentWorkflowId,
  orderFulfilmentWorkflowType,
  type OrderFulfilmentInput,
} from '../../workflows/orders/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import type { RouterDeps } from '../deps';
import type { Auth } from '../route';
import type { CreateOrder } from './schemas';

export type CreateOrderBody = z.output<typeof CreateOrder>;

/** How long the API waits for an already-paid order's tickets before answering without them. */
const FULFIL_WAIT_MS = 10_000;

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
