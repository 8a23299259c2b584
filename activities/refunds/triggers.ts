import type { Client } from '@temporalio/client';
import type { Tx } from '../../db/connection';
import { getModule } from '../../db/platform/modules';
import { getRefundRequest, type RefundRequestRow } from '../../db/refunds';
import { startIdempotent } from '../../lib/temporal';
import {
  refundRequestWorkflowId,
  refundRequestWorkflowType,
  type RefundRequestInput,
} from '../../workflows/refunds/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import { defineTrigger, type Trigger } from '../platform/triggers';

/** How long a request waits for staff before they are reminded, unless the tenant sets `approval_reminder_after_s`. */
const DEFAULT_REMINDER_S = 24 * 3600;

/**
 * Starts the request's workflow; starting it again, even after it finished, is the same workflow
 * (ids are never reused), so the API and the trigger below may both call this.
 */
export async function startRefundWorkflow(
  tx: Tx,
  temporal: Client,
  taskQueue: string,
  request: RefundRequestRow,
): Promise<void> {
  const setting = Number((await getModule(tx, 'refunds'))?.settings.approval_reminder_after_s ?? DEFAULT_REMINDER_S);
  const reminderS = Number.isFinite(setting) && setting > 0 ? setting : DEFAULT_REMINDER_S;
  await startIdempotent(temporal, refundRequestWorkflowType, {
    taskQueue,
    workflowId: refundRequestWorkflowId(request.tenant_id, request.id),
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    args: [
      {
        tenantId: request.tenant_id,
        requestId: request.id,
        eventId: request.event_id,
        initialStatus: request.status === 'pending' ? 'pending' : 'approved',
        reminderAfterMs: reminderS * 1000,
      } satisfies RefundRequestInput,
    ],
    typedSearchAttributes: searchAttributes(request.tenant_id, request.event_id),
  });
}

/**
 * The API starts each request's workflow right after commit; this trigger makes sure it is started
 * even if the API died in between, so an approved request always gets its money moved.
 */
export function refundTriggers(): Trigger[] {
  return [
    defineTrigger({
      name: 'refunds.start-workflow',
      on: ['refund.requested'],
      async run(event, { tx, temporal, config }) {
        const request = await getRefundRequest(tx, event.payload.request_id);
        if (!request || request.status === 'rejected' || request.status === 'processed') return;
        await startRefundWorkflow(tx, temporal, config.TEMPORAL_TASK_QUEUE, request);
      },
    }),
  ];
}
