import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { EventActivities } from '../../activities/events';
import {
  cancelEventSignal,
  getEventLifecycleQuery,
  rescheduleEventSignal,
  type EventLifecycleInput,
  type EventLifecycleState,
} from './contract';

const db = proxyActivities<EventActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Produces `event.ended` when the event's end time passes: a durable timer that survives restarts
 * and follows reschedules, instead of a cron that could miss it.
 */
export async function eventLifecycleWorkflow(input: EventLifecycleInput): Promise<EventLifecycleState> {
  const state: EventLifecycleState = { status: 'scheduled', endsAt: input.endsAt };
  let rescheduled = false;
  setHandler(getEventLifecycleQuery, () => state);
  setHandler(rescheduleEventSignal, ({ endsAt }) => {
    state.endsAt = endsAt;
    rescheduled = true;
  });
  setHandler(cancelEventSignal, () => {
    state.status = 'cancelled';
  });

  for (;;) {
    rescheduled = false;
    const waitMs = Math.max(0, Date.parse(state.endsAt) - Date.now());
    const interrupted = await condition(() => rescheduled || state.status === 'cancelled', waitMs);
    if (state.status === 'cancelled') return state;
    if (!interrupted) break;
  }
  await db.markEventEnded({ tenantId: input.tenantId, eventId: input.eventId });
  state.status = 'ended';
  return state;
}
