import type { Tx } from '../connection';
import type { AllocationKind, AllocationRow, AllocationStatus } from './allocations';

/** An allocation with its subscription's customer, the owner a customer token is checked against. */
export type OwnedAllocation = AllocationRow & { customer_id: number };

const owned = (tx: Tx) =>
  tx('season_ticket_allocations as a')
    .join('season_subscriptions as s', 's.id', 'a.subscription_id')
    .select('a.*', 's.customer_id');

export async function getAllocation(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<OwnedAllocation | undefined> {
  const q = owned(tx).where('a.id', id).first();
  return opts.lock ? q.forUpdate('a') : q;
}

export interface AllocationFilter {
  subscriptionId?: number;
  eventId?: number;
  status?: AllocationStatus;
  kind?: AllocationKind;
  /** A customer token sees its own subscriptions' allocations only. */
  customerId?: number;
  after?: number;
  limit: number;
}

export async function listAllocations(tx: Tx, f: AllocationFilter): Promise<OwnedAllocation[]> {
  const q = owned(tx).orderBy('a.id').limit(f.limit);
  if (f.subscriptionId) q.where('a.subscription_id', f.subscriptionId);
  if (f.eventId) q.where('a.event_id', f.eventId);
  if (f.status) q.where('a.status', f.status);
  if (f.kind) q.where('a.kind', f.kind);
  if (f.customerId) q.where('s.customer_id', f.customerId);
  if (f.after) q.where('a.id', '>', f.after);
  return q;
}
