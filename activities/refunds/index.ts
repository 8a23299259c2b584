import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTenant, type Db, type Tx } from '../../db/connection';
import { queueEmail } from '../../db/platform/mail';
import { emit } from '../../db/platform/outbox';
import { getModule } from '../../db/platform/modules';
import { type AuditActor } from '../../db/platform/audit';
import { approveRefundRequest, rejectRefundRequest } from '../../db/refunds/decisions';
import { completeRefundRequest, refundRouteFor, refundRoutesFor, type RefundRoute } from '../../db/refunds/processing';
import {
  approvedRunRequests,
  claimEventRefundBatch,
  completeEventRefundRun,
  markRunRefundFailed,
  updateEventRefundProgress,
  type EventRefundProgressRow,
} from '../../db/refunds/event-runs';
import { getRefundRequest, type RefundRequestRow } from '../../db/refunds/requests';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { activityFailure } from '../../lib/errors';
import { groupBy } from '../../lib/group-by';
import { GroupCommit } from '../../lib/group-commit';

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

/**
 * Spaces provider refunds evenly at `ratePerS` across every mass refund this worker process runs
 * (no bursts), so the provider's rate limit holds whatever the number of events being refunded.
 * Many calls wait for their slot at once, so the provider is called at the full rate however long
 * each call takes; a worker shutting down stops the waiting ones.
 */
function createPacer() {
  let nextSlot = 0;
  return async (ratePerS: number, signal: AbortSignal): Promise<void> => {
    const now = Date.now();
    const at = Math.max(now, nextSlot);
    nextSlot = at + 1000 / ratePerS;
    if (at > now) await sleep(at - now, undefined, { signal });
  };
}

interface Completion {
  tenantId: string;
  requestId: number;
  route: RefundRoute['kind'];
  paymentRefundId: string | null;
  workflowId: string;
}

const complete = (tx: Tx, c: Completion) =>
  completeRefundRequest(tx, c.tenantId, c.requestId, {
    paymentRefundId: c.paymentRefundId,
    route: c.route,
    workflowId: c.workflowId,
  });

/**
 * Completes the refunds the provider answered meanwhile together, one transaction per tenant (one
 * commit for many refunds); a group that fails is completed one by one, so each refund gets its
 * own outcome (an error, or none).
 */
function completeTogether(db: Db) {
  return async (items: Completion[]): Promise<unknown[]> => {
    const outcomes = new Map<Completion, unknown>();
    for (const [tenantId, group] of groupBy(items, (c) => c.tenantId)) {
      try {
        await withTenant(db, tenantId, async (tx) => {
          for (const c of group) await complete(tx, c);
        });
      } catch {
        for (const c of group)
          outcomes.set(
            c,
            await withTenant(db, tenantId, (tx) => complete(tx, c)).then(
              () => undefined,
              (err: unknown) => err,
            ),
          );
      }
    }
    return items.map((c) => outcomes.get(c));
  };
}

export function createRefundActivities({ db, payments }: RefundActivityDeps) {
  const pace = createPacer();
  const completions = new GroupCommit(completeTogether(db), { maxBatch: 50, maxInFlight: 4 });

  /**
   * The provider's part of one request of a mass refund, paced to the rate limit (nothing to send
   * for credit or money taken outside Usher), then its completion.
   */
  const settle = async (
    tenantId: string,
    request: RefundRequestRow,
    route: RefundRoute,
    workflowId: string,
    ratePerS: number,
    signal: AbortSignal,
  ): Promise<void> => {
    let reference: string | null = null;
    if (route.kind === 'provider') {
      // A worker shutting down stops sending; the retry on another worker takes over from here.
      await pace(ratePerS, signal);
      signal.throwIfAborted();
      const result = await payments.refund({
        reference: route.order.payment_reference as string,
        amountMinor: request.refund_amount_minor,
        idempotencyKey: refundIdempotencyKey(tenantId, request.id),
        reason: request.reason ?? undefined,
      });
      if (result.status === 'failed') {
        await withTenant(db, tenantId, (tx) => markRunRefundFailed(tx, request.id, result.reference));
        return;
      }
      reference = result.reference;
    }
    const failure = await completions.submit({
      tenantId,
      requestId: request.id,
      route: route.kind,
      paymentRefundId: reference,
      workflowId,
    });
    if (failure) throw failure;
  };

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

    /** Takes the next orders of an event's mass refund into it (see `claimEventRefundBatch`); answers how many. */
    async claimEventRefunds(input: {
      tenantId: string;
      runId: number;
      limit: number;
      workflowId: string;
    }): Promise<number> {
      return asActivity(() =>
        withTenant(db, input.tenantId, (tx) =>
          claimEventRefundBatch(tx, input.tenantId, input.runId, input.limit, input.workflowId),
        ),
      );
    },

    /**
     * Refunds the run's next approved requests after `afterRequestId`, paced to `ratePerS`, each
     * completed as soon as the provider answers. A retry (after a worker died) finds the completed
     * ones processed and skips them, and repeats an unrecorded provider call under the same
     * idempotency key, so no order is refunded twice. Answers the last request it went through.
     */
    async refundEventBatch(input: {
      tenantId: string;
      runId: number;
      afterRequestId: number;
      limit: number;
      ratePerS: number;
      workflowId: string;
    }): Promise<{ requests: number; lastRequestId: number; progress: EventRefundProgressRow }> {
      const { requests, routes } = await withTenant(db, input.tenantId, async (tx) => {
        const requests = await approvedRunRequests(tx, input.runId, input.afterRequestId, input.limit);
        return { requests, routes: await refundRoutesFor(tx, requests, payments.name) };
      });
      const context = Context.current();
      let settled = 0;
      // Alive while refunds wait for their slot or for a group of completions to commit: a worker
      // that died is noticed by the missing heartbeats, not a slow batch.
      const beat = setInterval(() => context.heartbeat(settled), 5_000);
      // Each refund waiting for its slot listens to the signal.
      setMaxListeners(requests.length + 10, context.cancellationSignal);
      // Every refund of the batch is under way at once, each waiting for its slot at the rate limit;
      // the activity answers only once none is left running, even when one failed.
      const outcomes = await Promise.allSettled(
        requests.map(async (request, i) => {
          await settle(
            input.tenantId,
            request,
            routes[i],
            input.workflowId,
            input.ratePerS,
            context.cancellationSignal,
          );
          context.heartbeat(++settled);
        }),
      ).finally(() => clearInterval(beat));
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
      const progress = await withTenant(db, input.tenantId, (tx) => updateEventRefundProgress(tx, input.runId));
      return {
        requests: requests.length,
        lastRequestId: requests.at(-1)?.id ?? input.afterRequestId,
        progress,
      };
    },

    async completeEventRefunds(input: {
      tenantId: string;
      runId: number;
      workflowId: string;
    }): Promise<EventRefundProgressRow> {
      return withTenant(db, input.tenantId, (tx) =>
        completeEventRefundRun(tx, input.tenantId, input.runId, input.workflowId),
      );
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
