import { type z } from 'zod';
import type { Tx } from '../../db/connection';
import { withTenant } from '../../db/connection';
import { getOrder, type OrderRow } from '../../db/orders/orders';
import { releasePendingSeats } from '../../db/refunds/seats';
import { createRefundRequest } from '../../db/refunds/submissions';
import {
  getRefundRequest,
  getRequestTickets,
  listRefundRequests,
  type RefundRequestRow,
} from '../../db/refunds/requests';
import { loadTicketLines, quoteTickets } from '../../db/refunds/quotes';
import { approvalReminderAfterS } from '../../db/refunds/settings';
import { quoteToJson } from '../../domain/refunds/policy';
import { conflict, unprocessable } from '../../lib/errors';
import { GroupCommit } from '../../lib/group-commit';
import { startIdempotent } from '../../lib/temporal';
import {
  approveRefundUpdate,
  refundRequestStartOptions,
  refundRequestWorkflowId,
  refundRequestWorkflowType,
  rejectRefundUpdate,
} from '../../workflows/refunds/contract';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams, isoOrNull, mapInOrder, page, toPage } from '../schemas/common';
import { eventRefundRoutes } from './event-refunds';
import { refundPolicyRoutes } from './policies';
import { storeCreditRoutes } from './store-credit';
import {
  ApproveRequest,
  CreateRefundRequest,
  QuoteQuery,
  RefundQuote,
  RefundRequest,
  RefundRequestQuery,
  RejectRequest,
} from './schemas';

async function toRequest(tx: Tx, r: RefundRequestRow): Promise<z.infer<typeof RefundRequest>> {
  const tickets = await getRequestTickets(tx, r.id);
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    within_policy: r.within_policy,
    order_id: r.order_id,
    event_id: r.event_id,
    customer_id: r.customer_id,
    reason: r.reason,
    currency: r.currency.trim(),
    original_amount_minor: r.original_amount_minor,
    refund_amount_minor: r.refund_amount_minor,
    fee_amount_minor: r.fee_amount_minor,
    tickets: tickets.map((t) => ({ ticket_id: t.ticket_id, paid_minor: t.paid_minor, new_ticket_id: t.new_ticket_id })),
    transfer_to: r.details.transfer_to ?? null,
    exchange_to: r.details.exchange_to ?? null,
    quote: r.quote,
    payment_refund_id: r.payment_refund_id,
    decided_by: r.decided_by,
    decision_note: r.decision_note,
    decided_at: isoOrNull(r.decided_at),
    processed_at: isoOrNull(r.processed_at),
    created_at: r.created_at.toISOString(),
  };
}

async function loadOwnOrder(tx: Tx, auth: Auth, id: number): Promise<OrderRow> {
  return visibleTo(auth, await getOrder(tx, id), (o) => o.customer_id, 'Order');
}

async function loadOwnRequest(tx: Tx, auth: Auth, id: number): Promise<RefundRequestRow> {
  return visibleTo(auth, await getRefundRequest(tx, id), (r) => r.customer_id, 'Refund request');
}

/** A request staff can still decide. */
async function loadPendingRequest(tx: Tx, auth: Auth, id: number): Promise<RefundRequestRow> {
  const request = await loadOwnRequest(tx, auth, id);
  if (request.status !== 'pending') throw conflict('request_not_pending', `Request ${request.id} is ${request.status}`);
  return request;
}

/** Who decided, as the workflow records it. */
const decidedBy = (auth: Auth): string => (auth.kind === 'key' ? `api_key:${auth.keyId}` : 'unknown');

export function refundRoutes(deps: RouterDeps): void {
  refundPolicyRoutes(deps);
  eventRefundRoutes(deps);
  storeCreditRoutes(deps);

  // Seats of requests approved on submission go back in batches: one short transaction per tenant
  // for all requests that committed meanwhile, so the ticket type's row is locked once per batch.
  const seats = new GroupCommit<{ tenantId: string; requestId: number }, void>(
    async (items) => {
      for (const tenantId of new Set(items.map((i) => i.tenantId))) {
        const ids = items.filter((i) => i.tenantId === tenantId).map((i) => i.requestId);
        await withTenant(deps.db, tenantId, (tx) => releasePendingSeats(tx, tenantId, ids));
      }
      return items.map(() => undefined);
    },
    { maxBatch: 256, maxInFlight: 1 },
  );

  // The answer after a decision: the request as the workflow left it, read after commit.
  const reloadRequest = (auth: Auth, id: number) => () =>
    withTenant(deps.db, auth.tenantId, async (t) => toRequest(t, (await getRefundRequest(t, id)) as RefundRequestRow));

  const tags = ['Refunds'];
  const module = 'refunds' as const;

  defineRoute(deps, {
    method: 'get',
    path: '/api/orders/{id}/refund-quote',
    summary: 'What the customer would get right now for a refund, exchange, transfer or credit, and why',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    query: QuoteQuery,
    responses: { 200: { description: 'Quote', schema: RefundQuote } },
    handler: async ({ tx, auth, params, query }) => {
      const order = await loadOwnOrder(tx, auth, params.id);
      if (order.status !== 'paid') throw conflict('order_not_paid', `Order ${order.id} is ${order.status}`);
      const lines = await loadTicketLines(tx, order, query.ticket_ids);
      const { quote, policySource } = await quoteTickets(tx, order, lines);
      return {
        body: {
          order_id: order.id,
          ticket_ids: lines.map((l) => l.ticket.id),
          currency: order.currency.trim(),
          policy_source: policySource,
          ...quoteToJson(quote),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/refund-requests',
    summary: 'Ask for a refund, exchange, transfer or store credit for a whole order or single tickets',
    tags,
    access: { scope: 'write', customer: true, module },
    body: CreateRefundRequest,
    idempotent: true,
    responses: {
      201: {
        description: 'Request: `approved` when inside the policy, else `pending` until staff decide',
        schema: RefundRequest,
      },
    },
    handler: async ({ tx, auth, body, afterCommit }) => {
      if (body.transfer_to && body.type !== 'transfer')
        throw unprocessable('transfer_to_not_applicable', 'transfer_to is only for transfers');
      if (body.exchange_to && body.type !== 'exchange')
        throw unprocessable('exchange_to_not_applicable', 'exchange_to is only for exchanges');
      const order = await loadOwnOrder(tx, auth, body.order_id);
      const request = await createRefundRequest(tx, auth.tenantId, {
        order,
        ticketIds: body.ticket_ids,
        type: body.type,
        reason: body.reason,
        transferTo: body.transfer_to,
        exchangeTo: body.exchange_to && { ticketTypeId: body.exchange_to.ticket_type_id },
        actor:
          auth.kind === 'key'
            ? { type: 'api_key', id: String(auth.keyId) }
            : { type: 'customer', id: String(auth.customerId) },
      });
      const pending = request.status === 'pending';
      // Only a request waiting for staff ever reminds them: the others need not read the setting.
      const options = refundRequestStartOptions(request, pending ? await approvalReminderAfterS(tx) : 0);
      const start = () =>
        startIdempotent(deps.temporal, refundRequestWorkflowType, {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          ...options,
        });
      // Started again by the `refunds.start-workflow` trigger should this process die before it.
      afterCommit(async () => {
        if (request.seats_pending)
          // Owed seats are also given back when the workflow completes the request, should this fail.
          await seats
            .submit({ tenantId: auth.tenantId, requestId: request.id })
            .catch((err: unknown) => deps.logger.warn({ err, request_id: request.id }, 'seats released later'));
        // Staff decide a pending request through its workflow, so it runs before the answer; an
        // approved one only moves money, and its caller need not wait for Temporal to hear of it.
        if (pending) await start();
        else
          void start().catch((err: unknown) =>
            deps.logger.warn({ err, request_id: request.id }, 'workflow started by the trigger instead'),
          );
      });
      return {
        status: 201,
        headers: { Location: `/api/refund-requests/${request.id}` },
        body: await toRequest(tx, request),
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/refund-requests',
    summary: 'List refund requests, e.g. those pending a decision',
    tags,
    access: { scope: 'read', customer: true, module },
    query: RefundRequestQuery,
    responses: { 200: { description: 'Requests', schema: page(RefundRequest) } },
    handler: async ({ tx, auth, query }) => {
      const rows = await listRefundRequests(tx, {
        ...query,
        orderId: query.order_id,
        customerId: auth.kind === 'customer' ? auth.customerId : query.customer_id,
      });
      return { body: { ...toPage(rows, query.limit), items: await mapInOrder(rows, (r) => toRequest(tx, r)) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/refund-requests/{id}',
    summary: 'Get a refund request',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'Request', schema: RefundRequest } },
    handler: async ({ tx, auth, params }) => ({ body: await toRequest(tx, await loadOwnRequest(tx, auth, params.id)) }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/refund-requests/{id}/approve',
    summary: 'Approve a pending request; answers once the decision took effect',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: ApproveRequest,
    responses: { 200: { description: 'Request', schema: RefundRequest } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const request = await loadPendingRequest(tx, auth, params.id);
      if (body.amount_minor !== undefined && request.type !== 'refund' && request.type !== 'credit')
        throw unprocessable('amount_not_applicable', `A ${request.type} has no amount`);
      if ((body.amount_minor ?? 0) > request.original_amount_minor)
        throw unprocessable('amount_exceeds_paid', `At most ${request.original_amount_minor} can be refunded`);
      afterCommit(async () => {
        await deps.temporal.workflow
          .getHandle(refundRequestWorkflowId(auth.tenantId, request.id))
          .executeUpdate(approveRefundUpdate, {
            args: [{ by: decidedBy(auth), note: body.note, amountMinor: body.amount_minor }],
          });
      });
      return { body: reloadRequest(auth, request.id) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/refund-requests/{id}/reject',
    summary: 'Reject a pending request; its tickets stay valid',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: RejectRequest,
    responses: { 200: { description: 'Request', schema: RefundRequest } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const request = await loadPendingRequest(tx, auth, params.id);
      afterCommit(async () => {
        await deps.temporal.workflow
          .getHandle(refundRequestWorkflowId(auth.tenantId, request.id))
          .executeUpdate(rejectRefundUpdate, {
            args: [{ by: decidedBy(auth), note: body.note }],
          });
      });
      return { body: reloadRequest(auth, request.id) };
    },
  });
}
