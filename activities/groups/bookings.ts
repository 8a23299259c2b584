import { withTenant } from '../../db/connection';
import { expireHold } from '../../db/groups/deadline';
import { startIdempotent } from '../../lib/temporal';
import { groupHoldStart, groupHoldWorkflowType } from '../../workflows/groups/contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

/** The hold of a new group (workflows/groups/hold.ts). */
export function createBookingsActivities({ db }: WorkerDeps) {
  return {
    /** Gives back the seats of a group still held without an order; null when the order came first. */
    async groupsExpireHold(input: { tenantId: string; groupId: number }): Promise<number[] | null> {
      return withTenant(db, input.tenantId, (tx) => expireHold(tx, input.tenantId, input.groupId));
    },
  };
}

/** Every new group gets its hold timer, started once its row has committed (idempotent by workflow id). */
export function bookingsTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'groups.start-hold',
      on: ['group.created'],
      async run() {},
      async afterCommit(event, { temporal, config }) {
        await startIdempotent(
          temporal,
          groupHoldWorkflowType,
          groupHoldStart(config.TEMPORAL_TASK_QUEUE, {
            tenantId: event.tenantId,
            groupId: event.payload.group_id,
            eventId: event.payload.event_id,
            holdExpiresAt: event.payload.hold_expires_at,
          }),
        );
      },
    }),
  ];
}
