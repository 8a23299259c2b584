import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { StreamingActivities } from '../../activities/streaming';
import type { StreamScheduleInput } from './contract';

const streams = proxyActivities<StreamingActivities>({
  // One row read and at most one update, or removing a replay's folder.
  startToCloseTimeout: '1 minute',
  // Each step re-reads the stream and is guarded by its status, so a retry is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const STEPS_PER_RUN = 100;

/**
 * A stream's schedule: ends it when it is still open past its scheduled end (plus the tenant's grace), then, once the
 * longest replay window of the event's ticket types has closed, removes the recording: the replay is gone. The stream
 * row decides everything; the workflow only sleeps until the next moment worth a look.
 */
export async function streamingStreamScheduleWorkflow(input: StreamScheduleInput): Promise<string> {
  for (let i = 0; i < STEPS_PER_RUN; i++) {
    const step = await streams.streamsScheduleStep(input);
    if (step.done) return step.outcome;
    await sleep(Math.max(1000, step.wakeAt - Date.now()));
  }
  return continueAsNew<typeof streamingStreamScheduleWorkflow>(input);
}
