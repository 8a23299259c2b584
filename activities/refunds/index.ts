import { ApplicationFailure } from '@temporalio/common';
import { withTenant, type Db } from '../../db/connection';
import { queueEmail } from '../../db/platform/mail';
import { emit } from '../../db/platform/outbox';
import { getModule } from '../../db/platform/modules';
import { type AuditActor } from '../../db/platform/audit';
import { approveRefundRequest, rejectRefundRequest } from '../../db/refunds/decisions';
import { completeRefundRequest, refundRouteFor, type RefundRoute } from '../../db/refunds/processing';
import { getRefundRequest } from '../../db/refunds/requests';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { activityFailure } from '../../lib/errors';

export interface RefundActivityDeps {
  db: Db;
  payments: PaymentProvider;
}

/** Business rejections must not be retried: the request's state will not change by waiting. */
async function asActivity<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw activityFailure(err);
  }
}

/** Staff decisions arrive as `api_key:12`; the workflow records itself as the actor otherwise. */
function actorOf(by: string, workflowId: string): AuditActor {
  const [type, id] = by.split(':', 2);
  return type === 'api_key' || type === 'operator' ? { type, id } : { type: 'workflow', id: workflowId };
}

/** Idempotency key of the provider refund: one per request, whatever the number of attempts. */
export const refundIdempotencyKey = (tenantId: string, requestId: number): string => `refund-${tenantId}-${requestId}`;

export function createRefundActivities({ db, payments }: RefundActivityDeps) {
  return {
    async approveRequest(input: {
      tenantId: string;
      requestId: number;
      by: string;
      note?: string;
      amountMinor?: number;
      workflowId: string;
    }): Promise<void> {
      await asActivity(() =>
        withTenant(db, input.tenantId, (tx) =>
          approveRefundRequest(tx, input.tenantId, input.requestId, {
            actor: actorOf(input.by, input.workflowId),
            note: input.note,
            amountMinor: input.amountMinor,
          }),
        ),
      );
    },

    async rejectRequest(input: {
      tenantId: string;
      requestId: number;
      by: string;
      note?: string;
      workflowId: string;
    }): Promise<void> {
      await asActivity(() =>
        withTenant(db, input.tenantId, (tx) =>
          rejectRefundRequest(tx, input.tenantId, input.requestId, {
            actor: actorOf(input.by, input.workflowId),
            note: input.note,
          }),
        ),
      );
    },

    /** Tells staff a request still waits: an e-mail when the tenant set `staff_email`, and a `refund.reminder` event for webhooks. */
    async remindStaff(input: { tenantId: string; requestId: number }): Promise<void> {
      await withTenant(db, input.tenantId, async (tx) => {
        const request = await getRefundRequest(tx, input.requestId);
        if (!request || request.status !== 'pending') return;
        const staffEmail = (await getModule(tx, 'refunds'))?.settings.staff_email;
        if (typeof staffEmail === 'string') {
          await queueEmail(tx, input.tenantId, {
            idempotencyKey: `refund-reminder-${request.id}`,
            to: staffEmail,
            subject: `Refund request ${request.id} is waiting for a decision`,
            text: `A ${request.type} request for order ${request.order_id} (${request.original_amount_minor} ${request.currency.trim()} minor units) has waited since ${request.created_at.toISOString()}.\nReason given: ${request.reason ?? '(none)'}\nApprove or reject it with POST /api/refund-requests/${request.id}/approve or /reject.`,
          });
        }
        await emit(tx, input.tenantId, {
          type: 'refund.reminder',
          aggregateType: 'refund_request',
          aggregateId: request.id,
          payload: { request_id: request.id, type: request.type, order_id: request.order_id },
        });
      });
    },

    /** Sends the money back through the provider when that is where it came from; other routes are booked by completeRequest. */
    async refundPayment(input: {
      tenantId: string;
      requestId: number;
    }): Promise<{ route: RefundRoute['kind']; reference: string | null }> {
      const { request, route } = await withTenant(db, input.tenantId, async (tx) => {
        const request = await getRefundRequest(tx, input.requestId);
        if (!request) throw ApplicationFailure.nonRetryable('Refund request not found', 'not_found');
        return { request, route: await refundRouteFor(tx, request, payments.name) };
      });
      if (route.kind !== 'provider') return { route: route.kind, reference: null };
      const result = await payments.refund({
        reference: route.order.payment_reference as string,
        amountMinor: request.refund_amount_minor,
        idempotencyKey: refundIdempotencyKey(input.tenantId, input.requestId),
        reason: request.reason ?? undefined,
      });
      if (result.status === 'failed')
        throw ApplicationFailure.nonRetryable(`The provider refused refund ${result.reference}`, 'refund_failed');
      return { route: 'provider', reference: result.reference };
    },

    async completeRequest(input: {
      tenantId: string;
      requestId: number;
      route: RefundRoute['kind'];
      paymentRefundId: string | null;
      workflowId: string;
    }): Promise<void> {
      await asActivity(() =>
        withTenant(db, input.tenantId, (tx) =>
          completeRefundRequest(tx, input.tenantId, input.requestId, {
            paymentRefundId: input.paymentRefundId,
            route: input.route,
            workflowId: input.workflowId,
          }),
        ),
      );
    },
  };
}

export type RefundActivities = ReturnType<typeof createRefundActivities>;
