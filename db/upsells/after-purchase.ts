import type { Tx } from '../connection';
import { AppError, conflict, notFound, unprocessable } from '../../lib/errors';
import { upgradeCharge } from '../../domain/upsells/purchases';
import { takeInventory } from '../events/inventory';
import { isModuleEnabled } from '../platform/modules';
import type { OrderRow } from '../orders/orders';
import type { TicketRow } from '../tickets/tickets';
import { getProduct } from './catalog-products';
import { closeUpsellPayment, getUpsellPayment, insertUpsellPayment, type UpsellPaymentRow } from './payments';
import { insertUpsellLines, reserveProductUnits, reserveUpsellLines, type UpsellLineInput } from './placement';
import { heldUnits, releaseUpsellLines, settleUpsellLines } from './purchases';

/** Add-ons are bought after purchase only for a paid order: before that they go into the order itself. */
function assertPaid(order: OrderRow): void {
  if (order.status !== 'paid')
    throw conflict('order_not_paid', `Order ${order.id} is ${order.status}; add-ons join an unpaid order when placed`);
}

/**
 * Add-ons for an order already paid: the lines are reserved now and paid by a payment of their own
 * for the difference, counted against the order's limits together with what it already holds.
 */
export async function addToPaidOrder(
  tx: Tx,
  tenantId: string,
  input: { order: OrderRow; lines: UpsellLineInput[]; provider: string; now: Date },
): Promise<UpsellPaymentRow> {
  const { order } = input;
  assertPaid(order);
  const tickets = (await tx('tickets')
    .where({ order_id: order.id, status: 'valid' })
    .count<{ n: string }[]>('* as n')) as { n: string }[];
  const reserved = await reserveUpsellLines(tx, {
    eventId: order.event_id,
    currency: order.currency.trim(),
    ticketCount: Number(tickets[0].n),
    lines: input.lines,
    now: input.now,
    held: await heldUnits(tx, order.id),
  });
  const payment = await insertUpsellPayment(tx, tenantId, {
    order_id: order.id,
    amount_minor: reserved.totalMinor,
    currency: order.currency.trim(),
    provider: input.provider,
  });
  await insertUpsellLines(tx, tenantId, order.id, reserved, payment.id);
  return payment;
}

/**
 * Asks to move a ticket to the upgrade's ticket type. The target seat and the upgrade's unit are
 * held now (each a conditional update); the ticket moves, with a new code, once the difference is paid.
 */
export async function requestUpgrade(
  tx: Tx,
  tenantId: string,
  input: { ticket: TicketRow; order: OrderRow; productId: number; offerId?: string; provider: string; now: Date },
): Promise<UpsellPaymentRow> {
  const { ticket, order, now } = input;
  assertPaid(order);
  if (ticket.status !== 'valid') throw conflict('ticket_not_valid', `Ticket ${ticket.id} is ${ticket.status}`);
  if (!(await isModuleEnabled(tx, 'upsells', ticket.event_id)))
    throw new AppError(403, 'module_not_enabled', 'The upsells module is not enabled');
  const product = await getProduct(tx, input.productId);
  if (!product) throw notFound('Upsell product');
  const target = product.upgrade_ticket_type_id === null ? null : Number(product.upgrade_ticket_type_id);
  if (product.type !== 'upgrade' || product.status !== 'active' || target === null)
    throw unprocessable('not_an_upgrade', 'This product is not an upgrade on sale');
  if (product.event_id !== null && Number(product.event_id) !== ticket.event_id)
    throw unprocessable('wrong_event', 'This upgrade belongs to another event');
  if ((product.sale_starts_at && now < product.sale_starts_at) || (product.sale_ends_at && now >= product.sale_ends_at))
    throw unprocessable('upsell_not_on_sale', 'This upgrade is not on sale at this time');
  if (product.currency.trim() !== order.currency.trim())
    throw unprocessable('currency_mismatch', "The upgrade's currency is not the order's");
  if (target === ticket.ticket_type_id) throw conflict('already_upgraded', 'The ticket already has this ticket type');
  const pending = await tx('upsell_order_lines').where({ ticket_id: ticket.id, status: 'pending' }).first('id');
  if (pending) throw conflict('upgrade_pending', 'An upgrade of this ticket is waiting for its payment');

  const types = (await tx('ticket_types').whereIn('id', [ticket.ticket_type_id, target])) as {
    id: number;
    event_id: number;
    price_minor: number;
  }[];
  const to = types.find((t) => Number(t.id) === target);
  const from = types.find((t) => Number(t.id) === ticket.ticket_type_id);
  if (!to || Number(to.event_id) !== ticket.event_id)
    throw unprocessable('wrong_event', "The upgrade's ticket type belongs to another event");
  const paid = (await tx('order_items')
    .where({ order_id: order.id, ticket_type_id: ticket.ticket_type_id })
    .first()) as { unit_price_minor: number } | undefined;
  const charge = upgradeCharge(product.price_minor, paid?.unit_price_minor ?? from?.price_minor ?? 0, to.price_minor);

  if (!(await takeInventory(tx, target, 1)))
    throw conflict('sold_out', 'No seats left of the ticket type this upgrade moves to', { ticket_type_id: target });
  if (!(await reserveProductUnits(tx, product.id, 1)))
    throw conflict('upsell_sold_out', `No upgrades left of product ${product.id}`, { product_id: product.id });
  const payment = await insertUpsellPayment(tx, tenantId, {
    order_id: order.id,
    amount_minor: charge,
    currency: order.currency.trim(),
    provider: input.provider,
  });
  await tx('upsell_order_lines').insert({
    tenant_id: tenantId,
    order_id: order.id,
    product_id: product.id,
    kind: 'upgrade',
    payment_id: payment.id,
    ticket_id: ticket.id,
    quantity: 1,
    unit_price_minor: charge,
    currency: order.currency.trim(),
    offer_id: input.offerId ?? null,
  });
  return payment;
}

/**
 * The payment came in: its lines are settled (sold, vouchers, upgrade applied, commission). False
 * when it was already closed, so a repeated confirmation does nothing.
 */
export async function settleUpsellPayment(tx: Tx, tenantId: string, paymentId: number): Promise<boolean> {
  const payment = await getUpsellPayment(tx, paymentId, { lock: true });
  if (!payment || !(await closeUpsellPayment(tx, paymentId, 'paid'))) return false;
  const order = (await tx('orders').where({ id: payment.order_id }).first()) as OrderRow;
  await settleUpsellLines(
    tx,
    tenantId,
    order,
    { paymentId },
    { applicationFeeTaken: (payment.application_fee_minor ?? 0) > 0 },
  );
  return true;
}

/** The payment failed: what its lines held goes back. */
export async function failUpsellPayment(tx: Tx, paymentId: number): Promise<boolean> {
  if (!(await closeUpsellPayment(tx, paymentId, 'failed'))) return false;
  await releaseUpsellLines(tx, { paymentId });
  return true;
}
