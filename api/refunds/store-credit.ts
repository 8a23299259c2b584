import { getCustomer } from '../../db/customers/customers';
import { bookCredit, creditBalances, listCreditEntries } from '../../db/refunds/store-credit';
import { notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute } from '../route';
import { idempotencyCaller } from '../idempotency';
import { IdParams, Pagination, toPage } from '../schemas/common';
import { CreditAdjustment, StoreCredit } from './schemas';

/** Store credit: a customer's balances and ledger, and adjustments by hand. */
export function storeCreditRoutes(deps: RouterDeps): void {
  const tags = ['Refunds'];
  const module = 'refunds' as const;

  defineRoute(deps, {
    method: 'get',
    path: '/api/customers/{id}/store-credit',
    summary: "A customer's store credit: balance per currency and the ledger behind it",
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    query: Pagination,
    responses: { 200: { description: 'Store credit', schema: StoreCredit } },
    handler: async ({ tx, auth, params, query }) => {
      visibleTo(auth, await getCustomer(tx, params.id), (c) => c.id, 'Customer');
      const entries = await listCreditEntries(tx, params.id, query);
      return {
        body: {
          customer_id: params.id,
          balances: await creditBalances(tx, params.id),
          next_cursor: toPage(entries, query.limit).next_cursor,
          entries: entries.map((e) => ({
            id: e.id,
            currency: e.currency.trim(),
            amount_minor: e.amount_minor,
            kind: e.kind,
            refund_request_id: e.refund_request_id,
            order_id: e.order_id,
            note: e.note,
            created_at: e.created_at.toISOString(),
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/customers/{id}/store-credit',
    summary: 'Grant (or take back) store credit by hand; the ledger records it',
    tags,
    access: { scope: 'admin', module },
    params: IdParams,
    body: CreditAdjustment,
    idempotent: true,
    responses: {
      201: { description: 'Entry booked', schema: StoreCredit.pick({ customer_id: true, balances: true }) },
    },
    handler: async ({ tx, auth, params, body, ctx }) => {
      if (!(await getCustomer(tx, params.id))) throw notFound('Customer');
      await bookCredit(tx, auth.tenantId, {
        customerId: params.id,
        currency: body.currency,
        amountMinor: body.amount_minor,
        kind: 'adjustment',
        note: body.note,
        idempotencyKey: `adjustment-${idempotencyCaller(auth)}-${ctx.get('idempotency-key') || crypto.randomUUID()}`,
      });
      return { status: 201, body: { customer_id: params.id, balances: await creditBalances(tx, params.id) } };
    },
  });
}
