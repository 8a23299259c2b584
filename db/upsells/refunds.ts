import type { Tx } from '../connection';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import { meterAmount } from '../../domain/platform/plans';
import { quote } from '../../domain/refunds/policy';
import { getEvent } from '../events/events';
import type { OrderRow } from '../orders/orders';
import { getModule } from '../platform/modules';
import { emit } from '../platform/outbox';
import { recordUsage } from '../platform/usage';
import { getEffectivePolicy } from '../refunds/policies';
import { bookCredit } from '../refunds/store-credit';
import { getUpsellPayment } from './payments';
import type { UpsellLineRow } from './purchases';

export type UpsellRefundRoute = 'provider' | 'credit' | 'external' | 'none';

/** Where a line's money goes back: the payment that paid it (the order's, or its own later one). */
async function routeFor(
  tx: Tx,
  order: OrderRow,
  line: UpsellLineRow,
  amountMinor: number,
  providerName: string,
  asCredit: boolean,
): Promise<UpsellRefundRoute> {
  if (amountMinor === 0) return 'none';
  if (asCredit) return 'credit';
  const paidBy =
    line.payment_id === null ? order.payment_provider : (await getUpsellPayment(tx, line.payment_id))?.provider;
  if (paidBy === 'credit') return 'credit';
  return paidBy === providerName ? 'provider' : 'external';
}

/**
 * The payment a provider refund of a line goes against: its own later payment's reference, or its order's;
 * `reverseTransfer` when that later payment was a destination charge, whose money the connected account holds.
 */
export async function paymentOfLine(
  tx: Tx,
  lineId: number,
): Promise<{ reference: string; reverseTransfer: boolean } | null> {
  const line = (await tx('upsell_order_lines').where({ id: lineId }).first('order_id', 'payment_id')) as
    Pick<UpsellLineRow, 'order_id' | 'payment_id'> | undefined;
  if (!line) return null;
  if (line.payment_id !== null) {
    const payment = await getUpsellPayment(tx, line.payment_id);
    return payment?.reference
      ? { reference: payment.reference, reverseTransfer: payment.destination_account !== null }
      : null;
  }
  const order = (await tx('orders').where({ id: line.order_id }).first('payment_reference')) as
    { payment_reference: string | null } | undefined;
  return order?.payment_reference ? { reference: order.payment_reference, reverseTransfer: false } : null;
}

/**
 * What the refund policy of the line's event gives back for it now: the refund window's percentage
 * of what was paid, less the per-item processing fee when refunded alone (refunded with its tickets,
 * their request already paid the fee). Null when no window allows a refund.
 */
export async function policyRefund(
  tx: Tx,
  order: OrderRow,
  line: UpsellLineRow,
  opts: { alone: boolean; now?: Date },
): Promise<{ amountMinor: number; reason: string } | null> {
  const event = await getEvent(tx, order.event_id);
  if (!event) throw notFound('Event');
  const { rules } = await getEffectivePolicy(tx, order.event_id);
  const q = quote(rules, {
    eventStartsAt: event.starts_at,
    timeZone: event.timezone,
    now: opts.now ?? new Date(),
    currency: order.currency.trim(),
    paidMinor: [line.unit_price_minor * line.quantity],
  });
  if (q.refund.percentage === 0) return null;
  return { amountMinor: opts.alone ? q.refund.amountMinor : q.refund.grossMinor, reason: q.refund.reason };
}

/**
 * Refunds a paid line: its units go back to the product, its vouchers stop admitting, a credit
 * refund is booked on the ledger, and `upsell.refunded` tells the trigger that returns card money.
 * A line whose voucher was already used is not refundable.
 */
export async function refundUpsellLine(
  tx: Tx,
  tenantId: string,
  input: {
    order: OrderRow;
    line: UpsellLineRow;
    amountMinor: number;
    providerName: string;
    asCredit?: boolean;
    refundRequestId?: number;
  },
): Promise<UpsellLineRow> {
  const { order, line } = input;
  const [locked] = (await tx('upsell_order_lines').where({ id: line.id }).forUpdate()) as UpsellLineRow[];
  if (locked.status !== 'paid') throw conflict('line_not_paid', `Line ${line.id} is ${locked.status}`);
  if (input.amountMinor > locked.unit_price_minor * locked.quantity)
    throw unprocessable('refund_above_paid', 'A refund cannot exceed what was paid for the line');
  if (await tx('upsell_vouchers').where({ line_id: line.id, status: 'redeemed' }).first('id'))
    throw conflict('voucher_redeemed', 'A voucher of this line was already used');
  const route = await routeFor(tx, order, locked, input.amountMinor, input.providerName, input.asCredit ?? false);
  await tx('upsell_products')
    .where({ id: line.product_id })
    .update({ sold: tx.raw('sold - ?', [line.quantity]), updated_at: tx.fn.now() });
  await tx('upsell_vouchers').where({ line_id: line.id, status: 'valid' }).update({ status: 'cancelled' });
  const [after] = (await tx('upsell_order_lines')
    .where({ id: line.id })
    .update({ status: 'refunded', refunded_at: tx.fn.now(), refund_minor: input.amountMinor })
    .returning('*')) as UpsellLineRow[];
  // The 3% commission was metered on what was paid; what goes back is no upsell revenue any more.
  if (input.amountMinor > 0)
    await recordUsage(tx, tenantId, {
      meter: 'upsells.commission_reversal',
      quantity: line.quantity,
      amountMinor: meterAmount('upsells.commission_reversal', line.quantity, input.amountMinor),
      idempotencyKey: `upsell-commission-reversal-${line.id}`,
      metadata: { line_id: line.id, order_id: order.id, product_id: line.product_id, refund_minor: input.amountMinor },
    });
  if (route === 'credit')
    await bookCredit(tx, tenantId, {
      customerId: order.customer_id,
      currency: order.currency.trim(),
      amountMinor: input.amountMinor,
      kind: 'refund_credit',
      idempotencyKey: `upsell-refund-${line.id}`,
      orderId: order.id,
      note: `Refund of add-on line ${line.id}`,
    });
  await emit(tx, tenantId, {
    type: 'upsell.refunded',
    aggregateType: 'order',
    aggregateId: order.id,
    payload: {
      line_id: line.id,
      order_id: order.id,
      event_id: order.event_id,
      customer_id: order.customer_id,
      product_id: line.product_id,
      quantity: line.quantity,
      amount_minor: input.amountMinor,
      currency: line.currency.trim(),
      route,
      refund_request_id: input.refundRequestId ?? null,
    },
  });
  return after;
}

/**
 * After the tickets' refund request of an order was carried out: when none of its tickets is valid
 * any more, its paid add-ons go with them, by the same policy (to store credit for a credit request),
 * unless the tenant turned `refund_add_ons_with_tickets` off.
 */
export async function refundLinesWithTickets(
  tx: Tx,
  tenantId: string,
  request: { request_id: number; order_id: number; type: string },
  providerName: string,
): Promise<number> {
  if ((await getModule(tx, 'upsells'))?.settings.refund_add_ons_with_tickets === false) return 0;
  const order = (await tx('orders').where({ id: request.order_id }).first()) as OrderRow | undefined;
  if (!order) return 0;
  if (await tx('tickets').where({ order_id: order.id, status: 'valid' }).first('id')) return 0;
  const lines = (await tx('upsell_order_lines')
    .where({ order_id: order.id, status: 'paid' })
    .orderBy('id')) as UpsellLineRow[];
  let refunded = 0;
  for (const line of lines) {
    if (await tx('upsell_vouchers').where({ line_id: line.id, status: 'redeemed' }).first('id')) continue;
    const asCredit = request.type === 'credit';
    const policy = asCredit ? null : await policyRefund(tx, order, line, { alone: false });
    await refundUpsellLine(tx, tenantId, {
      order,
      line,
      amountMinor: asCredit ? line.unit_price_minor * line.quantity : (policy?.amountMinor ?? 0),
      providerName,
      asCredit,
      refundRequestId: request.request_id,
    });
    refunded++;
  }
  return refunded;
}
