import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { createChatActivities, chatTriggers } from './chat';
import { createStreamsActivities, streamsTriggers } from './streams';

/** The streaming module's activities; each part's names are prefixed by its part so they never clash. */
export function createStreamingActivities(deps: WorkerDeps) {
  return {
    ...createStreamsActivities(deps),
    ...createChatActivities(deps),
  };
}

export type StreamingActivities = ReturnType<typeof createStreamingActivities>;

export function streamingTriggers(deps: WorkerDeps): Trigger[] {
  return [...streamsTriggers(deps), ...chatTriggers(deps)];
}
