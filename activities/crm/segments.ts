import { withTenant } from '../../db/connection';
import { evaluateSegment, getSegment, recordSegmentSize } from '../../db/crm/segments';
import type { WorkerDeps } from '../deps';
import type { Trigger } from '../platform/triggers';

export interface SegmentRefreshResult {
  status: 'evaluated' | 'deleted' | 'static';
  size: number | null;
  entered: number;
  exited: number;
}

export function createSegmentActivities({ db }: Pick<WorkerDeps, 'db'>) {
  return {
    /**
     * Re-evaluates a dynamic segment and records a size point, in one transaction; says so when
     * the segment is gone or static, which ends its refresh loop.
     */
    async crmSegmentRefresh(input: { tenantId: string; segmentId: number }): Promise<SegmentRefreshResult> {
      return withTenant(db, input.tenantId, async (tx) => {
        const segment = await getSegment(tx, input.segmentId);
        if (!segment) return { status: 'deleted', size: null, entered: 0, exited: 0 };
        if (!segment.is_dynamic) return { status: 'static', size: segment.customer_count, entered: 0, exited: 0 };
        const result = await evaluateSegment(tx, input.tenantId, input.segmentId);
        if (!result) return { status: 'deleted', size: null, entered: 0, exited: 0 };
        await recordSegmentSize(tx, input.tenantId, input.segmentId, result.customerCount);
        return { status: 'evaluated', size: result.customerCount, entered: result.entered, exited: result.exited };
      });
    },
  };
}

/**
 * None of its own: whatever changes a segment's inputs calls `refreshMemberships`
 * (db/crm/memberships.ts) in its own transaction, and the refresh workflow handles the clock.
 */
export function segmentTriggers(_deps: WorkerDeps): Trigger[] {
  return [];
}
