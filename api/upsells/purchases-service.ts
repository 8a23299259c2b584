import { withTenant, type Tx } from '../../db/connection';
import { getOrder, type OrderRow } from '../../db/orders/orders';
import { failUpsellPayment, settleUpsellPayment } from '../../db/upsells/after-purchase';
import { recordUpsellPaymentAttempt, type UpsellPaymentRow } from '../../db/upsells/payments';
import { AppError } from '../../lib/errors';
import type { PaymentResult } from '../../integrations/payments/provider';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import type { Auth } from '../route';
import { loadOrderView } from '../orders/view';

export async function loadOwnOrder(tx: Tx, auth: Auth, id: number): Promise<OrderRow> {
  return visibleTo(auth, await getOrder(tx, id), (o) => o.customer_id, 'Order');
}

/** Settles or releases a payment's lines in a transaction of their own, after the provider answered. */
export function closePayment(deps: RouterDeps, tenantId: string, paymentId: number, paid: boolean): Promise<boolean> {
  return withTenant(deps.db, tenantId, (tx) =>
    paid ? settleUpsellPayment(tx, tenantId, paymentId) : failUpsellPayment(tx, paymentId),
  );
}

/**
 * After the lines are committed: take the difference. A nothing-to-pay upgrade settles at once; a
 * declined payment gives back what the lines held and answers 402; a card that needs the buyer's
 * action stays pending (its client secret is in the order view) until `POST /api/upsells/payments/{id}/confirm`.
 */
export async function payForUpsells(
  deps: RouterDeps,
  tenantId: string,
  order: OrderRow,
  payment: UpsellPaymentRow,
  paymentMethod?: string,
): Promise<PaymentResult | undefined> {
  if (payment.amount_minor === 0) {
    await closePayment(deps, tenantId, payment.id, true);
    return undefined;
  }
  let result: PaymentResult;
  try {
    result = await deps.payments.createPayment({
      amountMinor: payment.amount_minor,
      currency: payment.currency.trim(),
      idempotencyKey: `upsell-payment-${tenantId}-${payment.id}`,
      description: `Add-ons for order ${order.order_number}`,
      metadata: { tenant_id: tenantId, order_id: String(order.id), upsell_payment_id: String(payment.id) },
      paymentMethod,
    });
  } catch (err) {
    await closePayment(deps, tenantId, payment.id, false);
    deps.logger.warn({ err, paymentId: payment.id }, 'upsell payment failed');
    throw new AppError(402, 'payment_failed', 'The payment could not be taken; the add-ons were released', {
      order_id: order.id,
    });
  }
  await withTenant(deps.db, tenantId, (tx) =>
    recordUpsellPaymentAttempt(tx, payment.id, result.reference, result.clientSecret ?? null),
  );
  if (result.status === 'succeeded' || result.status === 'failed')
    await closePayment(deps, tenantId, payment.id, result.status === 'succeeded');
  return result;
}

/** The order as its owner sees it, read after commit and after the payment's outcome. */
export const orderViewAfter = (deps: RouterDeps, tenantId: string, orderId: number, note?: string) => () =>
  withTenant(deps.db, tenantId, async (t) => loadOrderView(t, (await getOrder(t, orderId)) as OrderRow, note));

/**
 * Charges a new add-on or upgrade payment once its rows are committed, and answers 201 with the order as it
 * stands after the charge (the payment's note included).
 */
export function chargeAfterCommit(
  deps: RouterDeps,
  afterCommit: (fn: () => Promise<void>) => void,
  tenantId: string,
  order: OrderRow,
  payment: UpsellPaymentRow,
  paymentMethod?: string,
) {
  let result: PaymentResult | undefined;
  afterCommit(async () => {
    result = await payForUpsells(deps, tenantId, order, payment, paymentMethod);
  });
  return {
    status: 201,
    headers: { Location: `/api/orders/${order.id}` },
    body: () => orderViewAfter(deps, tenantId, order.id, result?.note)(),
  };
}
