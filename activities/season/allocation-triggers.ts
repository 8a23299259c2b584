import { withTenant, type Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { isModuleEnabled } from '../../db/platform/modules';
import { allocateEvent, allocateSubscription, holdsUnclaimed, loadSeasonSettings } from '../../db/season/allocations';
import { creditResoldReleases, seasonTicketCancelled } from '../../db/season/credits';
import { releaseSchedule } from '../../domain/season/allocations';
import {
  rescheduleAllocationReleaseSignal,
  seasonAllocationReleaseWorkflowId,
  seasonAllocationReleaseWorkflowType,
  type AllocationReleaseSchedule,
  type SeasonAllocationReleaseInput,
} from '../../workflows/season/allocation-release-contract';
import { searchAttributes } from '../../workflows/search-attributes';
import { defineTrigger, type Trigger } from '../platform/triggers';

const seasonOn = (tx: Tx): Promise<boolean> => isModuleEnabled(tx, 'season');

/** The event's release schedule when it has unclaimed season seats to watch. */
async function scheduleOf(tx: Tx, eventId: number): Promise<AllocationReleaseSchedule | undefined> {
  const event = await getEvent(tx, eventId);
  if (!event || ['ended', 'cancelled'].includes(event.status)) return undefined;
  if (!(await holdsUnclaimed(tx, eventId))) return undefined;
  const { warnAt, releaseAt } = releaseSchedule(event.starts_at, await loadSeasonSettings(tx));
  return { warnAt: warnAt.toISOString(), releaseAt: releaseAt.toISOString() };
}

/**
 * Season seats follow the catalogue: an event (or a ticket type, whose inventory a seat takes) that
 * appears or changes is allocated to the members its packages cover, as is a subscription that
 * starts, resumes or changes package; a seat's release workflow starts with its first allocations
 * and follows the event when it moves; a sale credits released seats that sold again; a refunded
 * or exchanged season ticket updates its allocation and returns a flex credit.
 */
export function allocationTriggers(): Trigger[] {
  return [
    defineTrigger({
      name: 'season.allocate-event',
      on: ['event.created', 'event.updated', 'ticket_type.created', 'ticket_type.inventory_changed'],
      async run(event, { tx }) {
        if (await seasonOn(tx)) await allocateEvent(tx, event.tenantId, event.payload.event_id);
      },
    }),
    defineTrigger({
      name: 'season.allocate-subscription',
      on: ['season.subscription_started', 'season.subscription_resumed', 'season.subscription_changed'],
      async run(event, { tx }) {
        await allocateSubscription(tx, event.tenantId, event.payload.subscription_id);
      },
    }),
    defineTrigger({
      // Signal-with-start: the first allocations start the timers, later ones and a moved event reschedule them.
      name: 'season.allocation-release-workflow',
      on: ['season.allocations_created', 'event.updated'],
      async run() {
        // Nothing to write: the workflow starts once the allocations have committed.
      },
      async afterCommit(event, { db, temporal, config }) {
        if (event.type === 'event.updated' && !event.payload.changed.includes('starts_at')) return;
        const eventId = event.payload.event_id;
        const schedule = await withTenant(db, event.tenantId, (tx) => scheduleOf(tx, eventId));
        if (!schedule) return;
        await temporal.workflow.signalWithStart(seasonAllocationReleaseWorkflowType.name, {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: seasonAllocationReleaseWorkflowId(event.tenantId, eventId),
          args: [{ tenantId: event.tenantId, eventId, ...schedule } satisfies SeasonAllocationReleaseInput],
          signal: rescheduleAllocationReleaseSignal,
          signalArgs: [schedule],
          typedSearchAttributes: searchAttributes(event.tenantId, eventId),
        });
      },
    }),
    defineTrigger({
      name: 'season.credit-resold-releases',
      on: ['order.created'],
      async run(event, { tx }) {
        if (await seasonOn(tx)) await creditResoldReleases(tx, event.tenantId, event.payload.order_id);
      },
    }),
    defineTrigger({
      name: 'season.ticket-cancelled',
      on: ['ticket.cancelled'],
      async run(event, { tx }) {
        await seasonTicketCancelled(tx, event.tenantId, event.payload.ticket_id);
      },
    }),
  ];
}
