import type { WorkflowStartOptions } from '@temporalio/client';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';

export const REFUND_REQUEST_KIND = 'refund';

export const refundRequestWorkflowId = (tenantId: string, requestId: number): string =>
  workflowId(REFUND_REQUEST_KIND, tenantId, requestId);

export function parseRefundRequestWorkflowId(id: string): { tenantId: string; requestId: number } | undefined {
  const parsed = parseWorkflowId(REFUND_REQUEST_KIND, id);
  return parsed && { tenantId: parsed.tenantId, requestId: Number(parsed.entityId) };
}

export interface RefundRequestInput {
  tenantId: string;
  requestId: number;
  eventId: number;
  /** `approved` when the policy approved it as it was made; `pending` waits for staff. */
  initialStatus: 'pending' | 'approved';
  /** How long a pending request waits before staff are reminded (a tenant setting). */
  reminderAfterMs: number;
}

export type RefundWorkflowStatus = 'pending' | 'approved' | 'rejected' | 'processed';

export interface RefundRequestState {
  status: RefundWorkflowStatus;
  reminded: boolean;
  decidedBy?: string;
  note?: string;
  /** Where the money went: the provider, store credit, outside Usher, or nowhere (transfers). */
  route?: 'provider' | 'credit' | 'external' | 'none';
  paymentRefundId?: string | null;
}

export interface ApproveRefund {
  /** Who decided, e.g. `api_key:12`. */
  by: string;
  note?: string;
  /** Overrides the quoted amount for a refund or credit (an exception granted by staff). */
  amountMinor?: number;
}

export interface RejectRefund {
  by: string;
  note?: string;
}

export const approveRefundSignal = defineSignal<[ApproveRefund]>('approveRefund');
export const rejectRefundSignal = defineSignal<[RejectRefund]>('rejectRefund');
export const approveRefundUpdate = defineUpdate<RefundRequestState, [ApproveRefund]>('approveRefund');
export const rejectRefundUpdate = defineUpdate<RefundRequestState, [RejectRefund]>('rejectRefund');
export const getRefundStateQuery = defineQuery<RefundRequestState>('getRefundState');

/** How the API and triggers start it: typed by the function, whose code they never load. */
export const refundRequestWorkflowType = workflowType<typeof workflows>()('refundRequestWorkflow');

/**
 * How a request's workflow starts, but for the task queue. Starting it again, even after it finished,
 * is the same workflow (ids are never reused), so the API and the `refunds.start-workflow` trigger
 * may both start it.
 */
export function refundRequestStartOptions(
  request: { id: number; tenant_id: string; event_id: number; status: string },
  reminderAfterS: number,
): Omit<WorkflowStartOptions<typeof workflows.refundRequestWorkflow>, 'taskQueue'> {
  return {
    workflowId: refundRequestWorkflowId(request.tenant_id, request.id),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [
      {
        tenantId: request.tenant_id,
        requestId: request.id,
        eventId: request.event_id,
        initialStatus: request.status === 'pending' ? 'pending' : 'approved',
        reminderAfterMs: reminderAfterS * 1000,
      },
    ],
    typedSearchAttributes: searchAttributes(request.tenant_id, request.event_id),
  };
}

/** An event's mass refund: one workflow per event, whatever the number of calls that start it. */
export const EVENT_REFUNDS_KIND = 'event-refunds';

export const eventRefundsWorkflowId = (tenantId: string, eventId: number): string =>
  workflowId(EVENT_REFUNDS_KIND, tenantId, eventId);

export interface EventRefundsProgress {
  status: 'running' | 'completed';
  /** Orders to refund: those taken so far plus those still to take. */
  total: number;
  done: number;
  /** Orders the payment provider refused; their requests stay approved for staff. */
  failed: number;
  refunded_minor: number;
}

export interface EventRefundsInput {
  tenantId: string;
  eventId: number;
  runId: number;
  /** Orders taken, and then refunded, per batch. */
  batchSize: number;
  /** Provider refunds per second (the refunds module's `refund_rate_limit_per_s`). */
  ratePerS: number;
  /** Batches before the workflow continues as new, so its history stays small. */
  batchesPerRun: number;
  /** Carried over by continue-as-new. */
  progress?: EventRefundsProgress;
  afterRequestId?: number;
}

export const getEventRefundsProgressQuery = defineQuery<EventRefundsProgress>('getEventRefundsProgress');

export const eventRefundsWorkflowType = workflowType<typeof workflows>()('eventRefundsWorkflow');

/**
 * Orders per batch: about five seconds of refunds at the rate limit, so the pause between batches
 * (the last refund's answer, a progress count, a workflow task) costs a few percent of the run.
 */
export const eventRefundsBatchSize = (ratePerS: number): number => Math.min(Math.max(ratePerS * 5, 100), 1000);
export const EVENT_REFUNDS_BATCHES_PER_RUN = 25;

/** How the API starts an event's mass refund, but for the task queue; starting it again is the same workflow. */
export function eventRefundsStartOptions(
  run: { id: number; tenant_id: string; event_id: number },
  ratePerS: number,
): Omit<WorkflowStartOptions<typeof workflows.eventRefundsWorkflow>, 'taskQueue'> {
  return {
    workflowId: eventRefundsWorkflowId(run.tenant_id, run.event_id),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [
      {
        tenantId: run.tenant_id,
        eventId: run.event_id,
        runId: run.id,
        batchSize: eventRefundsBatchSize(ratePerS),
        ratePerS,
        batchesPerRun: EVENT_REFUNDS_BATCHES_PER_RUN,
      },
    ],
    typedSearchAttributes: searchAttributes(run.tenant_id, run.event_id),
  };
}
