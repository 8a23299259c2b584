import { withTenant, type Db } from '../../db/connection';
import { getEvent, updateEvent } from '../../db/events/events';
import { emit } from '../../db/platform/outbox';
import { appendAudit } from '../../db/platform/audit';
import { eventLifecycleWorkflowId } from '../../workflows/events/contract';

export function createEventActivities({ db }: { db: Db }) {
  return {
    /** Ends an event that is still open; one the tenant already ended or cancelled is left alone. */
    async markEventEnded(input: { tenantId: string; eventId: number }): Promise<boolean> {
      return withTenant(db, input.tenantId, async (tx) => {
        const event = await getEvent(tx, input.eventId, { lock: true });
        if (!event || ['ended', 'cancelled'].includes(event.status)) return false;
        await updateEvent(tx, input.eventId, { status: 'ended' });
        await emit(tx, input.tenantId, {
          type: 'event.ended',
          aggregateType: 'event',
          aggregateId: input.eventId,
          payload: { event_id: input.eventId },
        });
        await appendAudit(tx, input.tenantId, {
          actor: { type: 'workflow', id: eventLifecycleWorkflowId(input.tenantId, input.eventId) },
          action: 'event.ended',
          entityType: 'events',
          entityId: input.eventId,
          before: { status: event.status },
          after: { status: 'ended' },
        });
        return true;
      });
    },
  };
}

export type EventActivities = ReturnType<typeof createEventActivities>;
