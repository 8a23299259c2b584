import type { Harness } from './harness';

const DAY = 86_400_000;

/**
 * An active season subscription, stored directly: for sweeps that need such rows to exist, not to test how
 * they are made (the season tests cover that).
 */
export async function storeSeasonSubscription(
  h: Harness,
  input: { tenantId: string; customerId: number; name?: string },
): Promise<{ packageId: number; subscriptionId: number }> {
  const [pkg] = await h
    .owner('season_packages')
    .insert({
      tenant_id: input.tenantId,
      name: input.name ?? 'Season',
      type: 'full',
      price_minor: 100,
      currency: 'EUR',
      billing_cycle: 'annual',
      season_starts_at: new Date(Date.now() - DAY),
      season_ends_at: new Date(Date.now() + 365 * DAY),
    })
    .returning('id');
  const [sub] = await h
    .owner('season_subscriptions')
    .insert({
      tenant_id: input.tenantId,
      package_id: pkg.id,
      customer_id: input.customerId,
      price_minor: 100,
      currency: 'EUR',
      starts_at: new Date(),
      ends_at: new Date(Date.now() + 365 * DAY),
      payment_provider: 'offline',
    })
    .returning('id');
  return { packageId: pkg.id, subscriptionId: sub.id };
}

/** An active season subscription and its allocation for an event's ticket type, stored directly. */
export async function storeSeasonAllocation(
  h: Harness,
  input: { tenantId: string; customerId: number; name?: string; eventId: number; ticketTypeId: number },
): Promise<{ packageId: number; subscriptionId: number; allocationId: number }> {
  const stored = await storeSeasonSubscription(h, input);
  const [allocation] = await h
    .owner('season_ticket_allocations')
    .insert({
      tenant_id: input.tenantId,
      subscription_id: stored.subscriptionId,
      event_id: input.eventId,
      ticket_type_id: input.ticketTypeId,
    })
    .returning('id');
  return { ...stored, allocationId: allocation.id };
}
