import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RefundActivities } from '../../activities/refunds';
import {
  approveRefundSignal,
  approveRefundUpdate,
  getRefundStateQuery,
  rejectRefundSignal,
  rejectRefundUpdate,
  type ApproveRefund,
  type RefundRequestInput,
  type RefundRequestState,
  type RejectRefund,
} from './contract';

const db = proxyActivities<RefundActivities>({
  startToCloseTimeout: '30 seconds',
  // Writes are guarded by the request's status, so retrying until Postgres is back is safe;
  // a decision the request's state forbids will not become possible by waiting.
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [
      'request_not_pending',
      'request_not_approved',
      'ticket_not_valid',
      'amount_exceeds_paid',
      'not_found',
    ],
  },
});

const provider = proxyActivities<RefundActivities>({
  startToCloseTimeout: '1 minute',
  // Unlimited retries with backoff: the refund carries an idempotency key per request, so every
  // retry after an outage or a timeout is the same refund, never a second one.
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['refund_failed'],
  },
});

type Decision = { approve: ApproveRefund } | { reject: RejectRefund };

/**
 * One refund, exchange, transfer or credit request: waits for staff when the policy did not
 * approve it (reminding them once after the tenant's delay), then returns the money through the
 * payment provider or as store credit and closes the request.
 */
export async function refundRequestWorkflow(input: RefundRequestInput): Promise<RefundRequestState> {
  const state: RefundRequestState = { status: input.initialStatus, reminded: false };
  let decision: Decision | undefined;
  let decisionSeq = 0;
  let failedSeq = 0;
  let failure = '';

  const assertPending = (): void => {
    if (state.status !== 'pending' || decision)
      throw ApplicationFailure.nonRetryable(
        `The request is already ${decision ? 'being decided' : state.status}`,
        'request_not_pending',
      );
  };
  /** Resolves once the decision took effect, or fails with the reason it could not. */
  const decide = async (d: Decision): Promise<RefundRequestState> => {
    decision = d;
    const seq = ++decisionSeq;
    await condition(() => state.status !== 'pending' || failedSeq === seq);
    if (failedSeq === seq) throw ApplicationFailure.nonRetryable(failure, 'decision_failed');
    return state;
  };

  setHandler(getRefundStateQuery, () => state);
  setHandler(approveRefundSignal, (d) => {
    if (state.status === 'pending') decision ??= { approve: d };
  });
  setHandler(rejectRefundSignal, (d) => {
    if (state.status === 'pending') decision ??= { reject: d };
  });
  setHandler(approveRefundUpdate, (d: ApproveRefund) => decide({ approve: d }), {
    validator: (_d: ApproveRefund) => assertPending(),
  });
  setHandler(rejectRefundUpdate, (d: RejectRefund) => decide({ reject: d }), {
    validator: (_d: RejectRefund) => assertPending(),
  });

  const { tenantId, requestId } = input;
  while (state.status === 'pending') {
    const decided = state.reminded
      ? await condition(() => decision !== undefined).then(() => true)
      : await condition(() => decision !== undefined, input.reminderAfterMs);
    if (!decided) {
      await db.remindStaff({ tenantId, requestId });
      state.reminded = true;
      continue;
    }
    const d = decision as Decision;
    try {
      if ('approve' in d) {
        await db.approveRequest({
          tenantId,
          requestId,
          by: d.approve.by,
          note: d.approve.note,
          amountMinor: d.approve.amountMinor,
          workflowId: workflowInfo().workflowId,
        });
        state.status = 'approved';
      } else {
        await db.rejectRequest({
          tenantId,
          requestId,
          by: d.reject.by,
          note: d.reject.note,
          workflowId: workflowInfo().workflowId,
        });
        state.status = 'rejected';
      }
      state.decidedBy = 'approve' in d ? d.approve.by : d.reject.by;
      state.note = 'approve' in d ? d.approve.note : d.reject.note;
    } catch (err) {
      // The decision could not apply (e.g. the ticket was cancelled meanwhile): staff may decide again.
      failure = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      failedSeq = decisionSeq;
      decision = undefined;
    }
  }
  // An update handler still answering its caller must finish before the workflow completes.
  if (state.status === 'rejected') {
    await condition(allHandlersFinished);
    return state;
  }

  const refund = await provider.refundPayment({ tenantId, requestId });
  state.route = refund.route;
  state.paymentRefundId = refund.reference;
  await db.completeRequest({
    tenantId,
    requestId,
    route: refund.route,
    paymentRefundId: refund.reference,
    workflowId: workflowInfo().workflowId,
  });
  state.status = 'processed';
  await condition(allHandlersFinished);
  return state;
}
