import { getRefundRequest } from '../../db/refunds/requests';
import { approvalReminderAfterS } from '../../db/refunds/settings';
import { startIdempotent } from '../../lib/temporal';
import { refundRequestStartOptions, refundRequestWorkflowType } from '../../workflows/refunds/contract';
import { defineTrigger, type Trigger } from '../platform/triggers';

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
        await startIdempotent(temporal, refundRequestWorkflowType, {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          ...refundRequestStartOptions(request, await approvalReminderAfterS(tx)),
        });
      },
    }),
  ];
}
