import type { Tx } from '../connection';
import { dynamicSegmentIds, evaluateSegment } from './segments';

/**
 * Re-evaluates every dynamic segment of the tenant for these customers, recording entries and
 * exits (and emitting `crm.segment_entered` / `crm.segment_exited`). Called by whatever changes a
 * segment's inputs (customer data, metrics, consent, tags).
 */
export async function refreshMemberships(tx: Tx, tenantId: string, customerIds: number[]): Promise<void> {
  const ids = [...new Set(customerIds)];
  if (!ids.length) return;
  // One statement per segment, in id order so two refreshes lock segments in the same order.
  for (const segmentId of await dynamicSegmentIds(tx))
    await evaluateSegment(tx, tenantId, segmentId, { customerIds: ids });
}

/** Whether the customer is a current member of the segment (static or dynamic). */
export async function isInSegment(tx: Tx, segmentId: number, customerId: number): Promise<boolean> {
  const row = await tx('customer_segment_members')
    .where({ segment_id: segmentId, customer_id: customerId })
    .whereNull('removed_at')
    .first('id');
  return !!row;
}
