import { getOrder, type OrderRow } from '../../db/orders/orders';
import { getUpsellLine } from '../../db/upsells/purchases';
import { policyRefund, refundUpsellLine } from '../../db/upsells/refunds';
import { forbidden, notFound, unprocessable } from '../../lib/errors';
import { Order } from '../orders/schemas';
import { loadOrderView } from '../orders/view';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common';
import { RefundLine } from './purchases-schemas';

/** Refunding an add-on alone, by the refunds module's policy (with its tickets, a trigger does it). */
export function purchaseRefundRoutes(deps: RouterDeps): void {
  defineRoute(deps, {
    method: 'post',
    path: '/api/upsells/lines/{id}/refund',
    summary: "Refund an add-on, bundle or upgrade line alone, by the event's refund policy",
    tags: ['upsells'],
    access: { scope: 'write', customer: true, module: 'upsells' },
    params: IdParams,
    body: RefundLine,
    idempotent: true,
    responses: { 200: { description: 'The order with the line refunded', schema: Order } },
    handler: async ({ tx, auth, params, body }) => {
      const line = await getUpsellLine(tx, params.id);
      if (!line) throw notFound('Line');
      const order = visibleTo(auth, await getOrder(tx, line.order_id), (o: OrderRow) => o.customer_id, 'Line');
      if (body.amount_minor !== undefined && auth.kind === 'customer')
        throw forbidden('amount_fixed_by_policy', "A customer's refund is what the refund policy gives");
      let amountMinor = body.amount_minor;
      if (amountMinor === undefined) {
        const policy = await policyRefund(tx, order, line, { alone: true });
        if (!policy) throw unprocessable('outside_refund_policy', 'No refund window of the event applies now');
        amountMinor = policy.amountMinor;
      }
      await refundUpsellLine(tx, auth.tenantId, { order, line, amountMinor, providerName: deps.payments.name });
      return { body: await loadOrderView(tx, order) };
    },
  });
}
