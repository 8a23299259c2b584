import { WorkflowNotFoundError } from '@temporalio/client';
import { getEvent } from '../../db/events/events';
import { startIdempotent } from '../../lib/temporal';
import {
  cancelEventSignal,
  eventLifecycleWorkflowId,
  eventLifecycleWorkflowType,
  rescheduleEventSignal,
  type EventLifecycleInput,
} from '../../workflows/events/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import { defineTrigger, type Trigger } from '../platform/triggers';

/** Keeps each event's end-of-event timer in step with the event: start, reschedule, cancel. */
export function eventTriggers(): Trigger[] {
  return [
    defineTrigger({
      name: 'events.lifecycle',
      on: ['event.created', 'event.updated', 'event.cancelled'],
      async run(event, { tx, temporal, config }) {
        const eventId = event.payload.event_id;
        const workflowId = eventLifecycleWorkflowId(event.tenantId, eventId);
        if (event.type === 'event.cancelled') {
          await temporal.workflow
            .getHandle(workflowId)
            .signal(cancelEventSignal)
            .catch((err: unknown) => {
              if (!(err instanceof WorkflowNotFoundError)) throw err;
            });
          return;
        }
        const row = await getEvent(tx, eventId);
        if (!row || ['ended', 'cancelled'].includes(row.status)) return;
        const input: EventLifecycleInput = {
          tenantId: event.tenantId,
          eventId,
          endsAt: row.ends_at.toISOString(),
        };
        const options = {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId,
          args: [input] as [EventLifecycleInput],
          typedSearchAttributes: searchAttributes(event.tenantId, eventId),
        };
        if (event.type === 'event.created') {
          await startIdempotent(temporal, eventLifecycleWorkflowType, options);
        } else if (event.payload.changed.includes('ends_at')) {
          await temporal.workflow.signalWithStart(eventLifecycleWorkflowType.name, {
            ...options,
            signal: rescheduleEventSignal,
            signalArgs: [{ endsAt: input.endsAt }],
          });
        }
      },
    }),
  ];
}
