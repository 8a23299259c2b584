import type { Tx } from '../connection';

/**
 * Re-evaluates every dynamic segment of the tenant for these customers, recording entries and
 * exits (and emitting `crm.segment_entered` / `crm.segment_exited`). Called by whatever changes a
 * segment's inputs (customer data, metrics, consent, tags).
 */
export async function refreshMemberships(_tx: Tx, _tenantId: string, _customerIds: number[]): Promise<void> {}

/** Whether the customer is a current member of the segment (static or dynamic). */
export async function isInSegment(_tx: Tx, _segmentId: number, _customerId: number): Promise<boolean> {
  return false;
}
