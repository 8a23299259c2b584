import { withTenant, type Tx } from '../../db/connection';
import { getOrder, type OrderRow } from '../../db/orders/orders';
import { failUpsellPayment, settleUpsellPayment } from '../../db/upsells/after-purchase';
import { openUpsellPayment, recordUpsellPaymentAttempt, type UpsellPaymentRow } from '../../db/upsells/payments';
import { listPaymentLines } from '../../db/upsells/purchases';
import { getModule } from '../../db/platform/modules';
import { commissionMinor } from '../../domain/upsells/purchases';
import type { UpsellsSettings } from '../../domain/upsells/settings';
import { startIdempotent } from '../../lib/temporal';
import { upsellPaymentExpiryStart, upsellPaymentExpiryWorkflowType } from '../../workflows/upsells/contract';
import { AppError } from '../../lib/errors';
import type { PaymentRequest, PaymentResult } from '../../integrations/payments/provider';
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

/** How long a post-purchase add-on payment may stay pending unless the tenant says otherwise (30 minutes). */
export const DEFAULT_ADDON_PAYMENT_WINDOW_S = 1800;

/**
 * Opens the payment's window before the provider is asked, so that whatever happens to this process, the
 * reserved units go back if the buyer never completes the payment. A tenant with a Stripe connected account
 * is paid by a destination charge, the platform keeping the commission on the payment's lines as its fee;
 * both are recorded with the window, so settling and refunding the payment know where its money went.
 */
async function startPaymentWindow(
  deps: RouterDeps,
  tenantId: string,
  order: OrderRow,
  payment: UpsellPaymentRow,
): Promise<PaymentRequest['destination']> {
  const { windowS, destination } = await withTenant(deps.db, tenantId, async (tx) => {
    const settings = (await getModule(tx, 'upsells'))?.settings as UpsellsSettings | undefined;
    const s = settings?.addon_payment_window_s ?? DEFAULT_ADDON_PAYMENT_WINDOW_S;
    const account = deps.payments.name === 'stripe' ? settings?.stripe_connected_account : null;
    const split = account
      ? { account, applicationFeeMinor: commissionMinor(await listPaymentLines(tx, payment.id)) }
      : null;
    await openUpsellPayment(tx, payment.id, { expiresAt: new Date(Date.now() + s * 1000), destination: split });
    return { windowS: s, destination: split ?? undefined };
  });
  await startIdempotent(
    deps.temporal,
    upsellPaymentExpiryWorkflowType,
    upsellPaymentExpiryStart(deps.config.TEMPORAL_TASK_QUEUE, {
      tenantId,
      paymentId: payment.id,
      eventId: order.event_id,
      windowMs: windowS * 1000,
    }),
  );
  return destination;
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
  const destination = await startPaymentWindow(deps, tenantId, order, payment);
  let result: PaymentResult;
  try {
    result = await deps.payments.createPayment({
      amountMinor: payment.amount_minor,
      currency: payment.currency.trim(),
      idempotencyKey: `upsell-payment-${tenantId}-${payment.id}`,
      description: `Add-ons for order ${order.order_number}`,
      metadata: { tenant_id: tenantId, order_id: String(order.id), upsell_payment_id: String(payment.id) },
      paymentMethod,
      destination,
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
