import { withTenant } from '../../db/connection';
import { appendAudit } from '../../db/platform/audit';
import { releaseUnclaimed, warnUnclaimed } from '../../db/season/allocation-release';
import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';
import { allocationTriggers } from './allocation-triggers';

interface EventStep {
  tenantId: string;
  eventId: number;
  workflowId: string;
}

/** The steps of the allocation-release workflow (workflows/season/allocation-release.ts), each guarded by allocation state. */
export function createAllocationsActivities({ db }: Pick<WorkerDeps, 'db'>) {
  return {
    async allocationsWarnUnclaimed(input: EventStep & { releaseAt: string }): Promise<number> {
      return withTenant(db, input.tenantId, (tx) =>
        warnUnclaimed(tx, input.tenantId, input.eventId, new Date(input.releaseAt)),
      );
    },

    async allocationsReleaseUnclaimed(input: EventStep): Promise<number> {
      return withTenant(db, input.tenantId, async (tx) => {
        const ids = await releaseUnclaimed(tx, input.tenantId, input.eventId);
        if (ids.length)
          await appendAudit(tx, input.tenantId, {
            actor: { type: 'workflow', id: input.workflowId },
            action: 'season.allocations_released',
            entityType: 'event',
            entityId: input.eventId,
            after: { reason: 'unclaimed', released: ids.length },
          });
        return ids.length;
      });
    },
  };
}

export function allocationsTriggers(_deps: WorkerDeps): Trigger[] {
  return allocationTriggers();
}
