import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { parseWorkflowId, workflowId } from '../ids';
import type * as workflows from '.';
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
