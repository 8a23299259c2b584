import { getGate } from '../../db/checkin/gates';
import { getTicket } from '../../db/tickets/tickets';
import { addToPaidOrder, requestUpgrade } from '../../db/upsells/after-purchase';
import { getUpsellPayment } from '../../db/upsells/payments';
import { redeemVoucher } from '../../db/upsells/vouchers';
import { notFound } from '../../lib/errors';
import { Order } from '../orders/schemas';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common';
import { AddToOrder, UpgradeTicket, VoucherScan, VoucherVerdict } from './purchases-schemas';
import { purchaseRefundRoutes } from './purchases-refunds';
import { chargeAfterCommit, closePayment, loadOwnOrder, orderViewAfter } from './purchases-service';

/** Buying after purchase (add-ons, upgrades), confirming those payments, and admitting add-on vouchers at gates. */
export function purchasesRoutes(deps: RouterDeps): void {
  const tags = ['upsells'];
  const module = 'upsells' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/orders/{id}/add-ons',
    summary: 'Add add-ons to a paid order: a new payment for the difference, shown in the order view',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: AddToOrder,
    idempotent: true,
    responses: {
      201: { description: 'The order with the new lines and their payment', schema: Order },
      402: { description: 'The payment was declined; nothing was kept' },
    },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const order = await loadOwnOrder(tx, auth, params.id);
      const payment = await addToPaidOrder(tx, auth.tenantId, {
        order,
        lines: body.items.map((i) => ({
          productId: i.product_id,
          quantity: i.quantity,
          variant: i.variant,
          offerId: i.offer_id,
        })),
        provider: deps.payments.name,
        now: new Date(),
      });
      return chargeAfterCommit(deps, afterCommit, auth.tenantId, order, payment, body.payment_method);
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/tickets/{id}/upgrade',
    summary: "Upgrade a ticket to the product's better ticket type, paying the difference; the ticket gets a new code",
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: UpgradeTicket,
    idempotent: true,
    responses: {
      201: { description: "The ticket's order, the ticket moved once paid", schema: Order },
      402: { description: 'The payment was declined; the ticket keeps its type' },
    },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const ticket = visibleTo(auth, await getTicket(tx, params.id, { lock: true }), (t) => t.customer_id, 'Ticket');
      const order = await loadOwnOrder(tx, auth, ticket.order_id);
      const payment = await requestUpgrade(tx, auth.tenantId, {
        ticket,
        order,
        productId: body.product_id,
        offerId: body.offer_id,
        provider: deps.payments.name,
        now: new Date(),
      });
      return chargeAfterCommit(deps, afterCommit, auth.tenantId, order, payment, body.payment_method);
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/payments/{id}/confirm',
    summary: 'Check an add-on or upgrade payment with the provider; once it succeeded its lines are settled',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'The order', schema: Order } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const payment = await getUpsellPayment(tx, params.id);
      if (!payment) throw notFound('Payment');
      const order = await loadOwnOrder(tx, auth, payment.order_id);
      if (payment.status === 'pending' && payment.reference) {
        const reference = payment.reference;
        afterCommit(async () => {
          const status = await deps.payments.getPaymentStatus(reference);
          if (status === 'succeeded' || status === 'failed')
            await closePayment(deps, auth.tenantId, payment.id, status === 'succeeded');
        });
      }
      return { body: orderViewAfter(deps, auth.tenantId, order.id) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/vouchers/scan',
    summary: 'Scan an add-on voucher at a gate that accepts vouchers: it admits once',
    tags,
    access: { scope: 'scanner', module },
    body: VoucherScan,
    responses: { 200: { description: 'The verdict, durable when returned', schema: VoucherVerdict } },
    handler: async ({ tx, auth, body }) => {
      const gate = await getGate(tx, body.gate_id);
      if (!gate) throw notFound('Gate');
      const v = await redeemVoucher(tx, auth.tenantId, body.code, gate);
      return {
        body: {
          verdict: v.verdict,
          reason: v.reason,
          voucher: v.voucher && {
            product_id: Number(v.voucher.product_id),
            product_name: v.voucher.product_name,
            redeemed_at: v.voucher.redeemed_at ? new Date(v.voucher.redeemed_at).toISOString() : null,
          },
        },
      };
    },
  });

  purchaseRefundRoutes(deps);
}
