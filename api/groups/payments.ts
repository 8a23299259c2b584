import type { z } from 'zod';
import { withTenant } from '../../db/connection';
import {
  getGroupPayment,
  listGroupPayments,
  openShare,
  releaseUnpaidSeats,
  settleShare,
  type GroupPaymentRow,
} from '../../db/groups/payments';
import { groupGateCode } from '../../db/groups/gate';
import { completeShareRefund, openShareRefund } from '../../db/groups/share-refunds';
import type { PaymentResult } from '../../integrations/payments/provider';
import { AppError, conflict } from '../../lib/errors';
import {
  cancelGroupSignal,
  getGroupBookingStateQuery,
  groupBookingWorkflowId,
  sharePaidSignal,
} from '../../workflows/groups/contract';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common';
import { Group } from './bookings-schemas';
import { GroupBookingStateBody, GroupGateCode, GroupPayment, GroupPayments, PayShare } from './payments-schemas';
import { groupView, loadOwnGroup } from './view';

const paymentBody = (p: GroupPaymentRow, result?: PaymentResult): z.infer<typeof GroupPayment> => ({
  id: p.id,
  group_id: p.group_id,
  member_ids: p.member_ids.map(Number),
  payer: p.payer,
  amount_minor: p.amount_minor,
  currency: p.currency.trim(),
  provider: p.provider,
  provider_ref: p.provider_ref,
  status: p.status,
  client_secret: result?.clientSecret ?? null,
  note: result?.note ?? null,
  refund_request_id: p.refund_request_id === null ? null : Number(p.refund_request_id),
});

/**
 * Takes one share's money (a saga: the payment row is committed first, the provider is called outside any
 * transaction with the row's idempotency key, then the result is settled under the group lock). A share that lost
 * the race with the deadline is refunded at once; the deadline workflow sweeps any refund left undone.
 */
async function takeShare(deps: RouterDeps, tenantId: string, payment: GroupPaymentRow, paymentMethod?: string) {
  let result: PaymentResult | undefined;
  try {
    result =
      payment.amount_minor === 0
        ? { provider: deps.payments.name, reference: `free_${payment.idempotency_key}`, status: 'succeeded' }
        : await deps.payments.createPayment({
            amountMinor: payment.amount_minor,
            currency: payment.currency.trim(),
            idempotencyKey: payment.idempotency_key,
            description: `Group ${payment.group_id} share ${payment.id}`,
            metadata: { tenant_id: tenantId, group_id: String(payment.group_id), group_payment_id: String(payment.id) },
            paymentMethod,
          });
  } catch (err) {
    deps.logger.warn({ err, groupPaymentId: payment.id }, 'group share payment failed');
    await withTenant(deps.db, tenantId, (tx) =>
      settleShare(tx, tenantId, payment.id, { reference: '', succeeded: false }),
    );
    throw new AppError(402, 'payment_failed', 'The payment could not be taken', { payment_id: payment.id });
  }
  if (result.status === 'requires_action' || result.status === 'processing') return { payment, result };
  const settled = await withTenant(deps.db, tenantId, (tx) =>
    settleShare(tx, tenantId, payment.id, { reference: result.reference, succeeded: result.status === 'succeeded' }),
  );
  // Through the refunds module, as the deadline workflow refunds (activities/groups/payments.ts), which sweeps up
  // whatever is left undone here.
  if (settled.status === 'refund_due') {
    const workflowId = groupBookingWorkflowId(tenantId, settled.group_id);
    const opened = await withTenant(deps.db, tenantId, (tx) =>
      openShareRefund(tx, tenantId, settled.id, {
        reason: 'paid after the seat was released',
        actor: { type: 'workflow', id: workflowId },
      }),
    );
    const refund = opened?.provider && (await deps.payments.refund(opened.provider));
    if (opened && refund?.status !== 'failed')
      await withTenant(deps.db, tenantId, (tx) =>
        completeShareRefund(tx, tenantId, opened, { reference: refund?.reference ?? null, workflowId }),
      );
  }
  if (settled.status === 'succeeded')
    await deps.temporal.workflow
      .getHandle(groupBookingWorkflowId(tenantId, payment.group_id))
      .signal(sharePaidSignal, { paymentId: payment.id })
      .catch((err: unknown) => deps.logger.warn({ err }, 'group deadline workflow not signalled'));
  return { payment: settled, result };
}

/** Split payments: each share paid on its own, the deadline's state, and cancellation. */
export function paymentsRoutes(deps: RouterDeps): void {
  const tags = ['groups'];
  const module = 'groups' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/payments',
    summary: "Pay a share of a group: a member's own seat, or seats the leader covers (one payment each)",
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: PayShare,
    idempotent: true,
    responses: { 201: { description: 'The share payment and its outcome', schema: GroupPayment } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const group = await loadOwnGroup(tx, auth, params.id, true);
      const opened = await openShare(tx, auth.tenantId, group, {
        memberIds: body.member_ids,
        payer: body.payer,
        provider: deps.payments.name,
      });
      let taken: Awaited<ReturnType<typeof takeShare>> | undefined;
      afterCommit(async () => {
        taken = await takeShare(deps, auth.tenantId, opened, body.payment_method);
      });
      return {
        status: 201,
        body: async () => {
          const now = await withTenant(deps.db, auth.tenantId, (t) => getGroupPayment(t, opened.id));
          return paymentBody(now ?? opened, taken?.result);
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/groups/groups/{id}/payments',
    summary: "A group's share payments",
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'Payments', schema: GroupPayments } },
    handler: async ({ tx, auth, params }) => {
      const group = await loadOwnGroup(tx, auth, params.id);
      return {
        body: {
          items: (await listGroupPayments(tx, group.id)).map((p) => paymentBody(p)),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/groups/groups/{id}/deadline',
    summary: "The group's deadline workflow state: reminders sent, what is owed, released seats, refunds",
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'State', schema: GroupBookingStateBody } },
    handler: async ({ tx, auth, params }) => {
      const group = await loadOwnGroup(tx, auth, params.id);
      if (!group.order_id) throw conflict('group_not_ordered', 'The group has no deadline before its bulk order');
      const s = await deps.temporal.workflow
        .getHandle(groupBookingWorkflowId(auth.tenantId, group.id))
        .query(getGroupBookingStateQuery);
      return {
        body: {
          status: s.status,
          deadline_at: s.deadlineAt,
          grace_ends_at: s.graceEndsAt,
          reminders_sent: s.remindersSent.length,
          owing: s.owing,
          released_member_ids: s.releasedMemberIds,
          refunded_payment_ids: s.refundedPaymentIds,
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/groups/groups/{id}/gate-code',
    summary: "The group's code: one scan at a gate that admits group codes lets in every ticket of the group",
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'The code', schema: GroupGateCode } },
    handler: async ({ tx, auth, params }) => {
      const group = await loadOwnGroup(tx, auth, params.id);
      return { body: { group_id: group.id, code: (await groupGateCode(tx, group.id)) as string } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/cancel',
    summary: 'Cancel a group: unpaid seats go back on sale, paid shares are refunded',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    responses: { 202: { description: 'Cancellation under way', schema: Group } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const group = await loadOwnGroup(tx, auth, params.id, true);
      if (['cancelled', 'completed', 'expired'].includes(group.status))
        throw conflict('group_closed', `The group is ${group.status}`);
      // Before its bulk order a group has no payments and no workflow: its seats go back at once.
      if (!group.order_id) {
        const { group: done } = await releaseUnpaidSeats(tx, auth.tenantId, group.id, 'cancelled');
        return { status: 202, body: await groupView(tx, done) };
      }
      afterCommit(() =>
        deps.temporal.workflow
          .getHandle(groupBookingWorkflowId(auth.tenantId, group.id))
          .signal(cancelGroupSignal, { reason: 'cancelled by the leader or tenant' }),
      );
      return { status: 202, body: await groupView(tx, group) };
    },
  });
}
