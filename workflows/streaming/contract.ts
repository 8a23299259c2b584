import type { WorkflowStartOptions } from '@temporalio/client';
import { workflowId } from '../ids';
import type * as workflows from '.';
import { searchAttributes } from '../search-attributes';
import { workflowType } from '../workflow-type';

/** One per stream: `streaming-stream-schedule/<tenantId>/<streamId>`. */
export const STREAM_SCHEDULE_KIND = 'streaming-stream-schedule';

export const streamScheduleWorkflowId = (tenantId: string, streamId: number): string =>
  workflowId(STREAM_SCHEDULE_KIND, tenantId, streamId);

export interface StreamScheduleInput {
  tenantId: string;
  streamId: number;
}

/** What one look at the stream decided: done (why), or when to look again. */
export type StreamScheduleStep = { done: true; outcome: 'deleted' | 'replay_closed' } | { done: false; wakeAt: number };

export const streamScheduleWorkflowType = workflowType<typeof workflows>()('streamingStreamScheduleWorkflow');

export function streamScheduleStartOptions(stream: {
  id: number;
  tenant_id: string;
  event_id: number;
}): Omit<WorkflowStartOptions<typeof workflows.streamingStreamScheduleWorkflow>, 'taskQueue'> {
  return {
    workflowId: streamScheduleWorkflowId(stream.tenant_id, stream.id),
    args: [{ tenantId: stream.tenant_id, streamId: stream.id }],
    typedSearchAttributes: searchAttributes(stream.tenant_id, stream.event_id),
  };
}
