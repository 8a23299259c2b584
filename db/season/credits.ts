import type { Tx } from '../connection';
import { conflict, unprocessable } from '../../lib/errors';
import { releaseCreditMinor, releasesResold } from '../../domain/season/allocations';
import { getOrderItems, type PaymentProviderName } from '../orders/orders';
import { emit } from '../platform/outbox';
import { bookCredit } from '../refunds/store-credit';
import { getTicket } from '../tickets/tickets';
import { PACKAGE_COVERS_EVENT } from './allocation-scope';
import { issueSeasonTicket } from './allocation-claims';
import { loadSeasonSettings, lockTicketTypes, type AllocationRow } from './allocations';
import { getSubscription } from './subscriptions';

/**
 * Redeems one flex credit for a ticket: the credit is taken by a conditional update
 * (`flex_credits_remaining > 0`) before the ticket, so of two redemptions racing for the last
 * credit the second waits on the row and then finds none (409 `no_flex_credits`). The ticket is
 * taken as a sale takes it (sale window, presale, sold out); any refusal rolls the credit back.
 */
export async function redeemFlexCredit(
  tx: Tx,
  tenantId: string,
  subscriptionId: number,
  target: { eventId: number; ticketTypeId: number },
  provider: PaymentProviderName,
): Promise<{ allocation: AllocationRow; creditsRemaining: number }> {
  const sub = await getSubscription(tx, subscriptionId);
  if (!sub) throw conflict('subscription_not_active', `Subscription ${subscriptionId} is gone`);
  const covered = await tx('events as e')
    .join('season_packages as p', tx.raw(PACKAGE_COVERS_EVENT))
    .where({ 'e.id': target.eventId, 'p.id': sub.package_id, 'p.type': 'flex' })
    .first('e.id');
  if (!covered) throw unprocessable('event_not_covered', `Event ${target.eventId} is not covered by this flex package`);
  const [left] = (await tx('season_subscriptions')
    .where({ id: subscriptionId, status: 'active' })
    .andWhere('flex_credits_remaining', '>', 0)
    .decrement('flex_credits_remaining', 1)
    .returning('flex_credits_remaining')) as { flex_credits_remaining: number }[];
  if (!left) {
    const now = await getSubscription(tx, subscriptionId);
    if (now?.status !== 'active')
      throw conflict('subscription_not_active', `Subscription ${subscriptionId} is ${now?.status}`);
    throw conflict('no_flex_credits', 'The subscription has no flex credits left');
  }
  const { orderId, ticket } = await issueSeasonTicket(tx, tenantId, {
    eventId: target.eventId,
    ticketTypeId: target.ticketTypeId,
    customerId: sub.customer_id,
    provider,
    reserved: false,
    reference: `season-flex-${subscriptionId}-${left.flex_credits_remaining}`,
  });
  const [allocation] = (await tx('season_ticket_allocations')
    .insert({
      tenant_id: tenantId,
      subscription_id: subscriptionId,
      event_id: target.eventId,
      ticket_type_id: target.ticketTypeId,
      kind: 'flex',
      status: 'claimed',
      ticket_id: ticket.id,
      order_id: orderId,
      claimed_at: tx.fn.now(),
    })
    .returning('*')) as AllocationRow[];
  await emit(tx, tenantId, {
    type: 'season.flex_redeemed',
    aggregateType: 'season_subscription',
    aggregateId: subscriptionId,
    payload: {
      allocation_id: allocation.id,
      subscription_id: subscriptionId,
      event_id: target.eventId,
      ticket_id: ticket.id,
      credits_remaining: left.flex_credits_remaining,
    },
  });
  return { allocation, creditsRemaining: left.flex_credits_remaining };
}

/**
 * A season ticket was cancelled (a refund) or voided by an exchange: its allocation follows
 * (`released` or `exchanged`; the refund or exchange already gave the unit back), and a flex
 * redemption's credit returns to the subscription, once.
 */
export async function seasonTicketCancelled(tx: Tx, tenantId: string, ticketId: number): Promise<void> {
  const allocation = (await tx('season_ticket_allocations')
    .where({ ticket_id: ticketId, status: 'claimed' })
    .forUpdate()
    .first()) as AllocationRow | undefined;
  if (!allocation) return;
  const ticket = await getTicket(tx, ticketId);
  const exchanged = ticket?.status === 'voided';
  await tx('season_ticket_allocations')
    .where({ id: allocation.id })
    .update({
      status: exchanged ? 'exchanged' : 'released',
      ...(exchanged ? {} : { released_at: tx.fn.now(), release_reason: 'refunded' }),
      ...(allocation.kind === 'flex' ? { credit_returned_at: tx.fn.now() } : {}),
      updated_at: tx.fn.now(),
    });
  if (allocation.kind !== 'flex') return;
  await tx('season_subscriptions').where({ id: allocation.subscription_id }).increment('flex_credits_remaining', 1);
  await emit(tx, tenantId, {
    type: 'season.flex_credit_returned',
    aggregateType: 'season_subscription',
    aggregateId: allocation.subscription_id,
    payload: { allocation_id: allocation.id, subscription_id: allocation.subscription_id, ticket_id: ticketId },
  });
}

/**
 * After a paid order, credits the holders of released seats of its ticket types that count as sold
 * again (released seats sell last: see `releasesResold`), oldest release first, each with the
 * tenant's `release_credit_percent` of the price this order paid, booked once on the refunds
 * module's store-credit ledger. Orders the season issued itself (claims, redemptions) sell nothing.
 */
export async function creditResoldReleases(tx: Tx, tenantId: string, orderId: number): Promise<number> {
  if (await tx('season_ticket_allocations').where({ order_id: orderId }).first('id')) return 0;
  const items = (await getOrderItems(tx, orderId)).filter((i) => i.unit_price_minor > 0);
  const typeIds = [...new Set(items.map((i) => i.ticket_type_id))].sort((a, b) => a - b);
  if (!typeIds.length) return 0;
  const waiting = await tx('season_ticket_allocations')
    .whereIn('ticket_type_id', typeIds)
    .andWhere({ status: 'released' })
    .whereNull('resold_order_id')
    .whereIn('release_reason', ['holder', 'unclaimed'])
    .first('id');
  if (!waiting) return 0;
  const settings = await loadSeasonSettings(tx);
  await lockTicketTypes(tx, { ids: typeIds });
  let credited = 0;
  for (const typeId of typeIds) {
    const item = items.find((i) => i.ticket_type_id === typeId);
    if (!item) continue;
    const [{ available, currency }] = (await tx('ticket_types')
      .where({ id: typeId })
      .select(tx.raw('inventory - sold as available'), 'currency')) as { available: number; currency: string }[];
    const unresold = (await tx('season_ticket_allocations as a')
      .join('season_subscriptions as s', 's.id', 'a.subscription_id')
      .where({ 'a.ticket_type_id': typeId, 'a.status': 'released' })
      .whereNull('a.resold_order_id')
      .whereIn('a.release_reason', ['holder', 'unclaimed'])
      .orderBy([{ column: 'a.released_at' }, { column: 'a.id' }])
      .forUpdate('a')
      .select('a.id', 'a.subscription_id', 's.customer_id')) as {
      id: number;
      subscription_id: number;
      customer_id: number;
    }[];
    const sold = Math.min(releasesResold(available, unresold.length), item.quantity);
    for (const a of unresold.slice(0, sold)) {
      const amount = releaseCreditMinor(item.unit_price_minor, settings.release_credit_percent);
      const entry =
        amount > 0
          ? await bookCredit(tx, tenantId, {
              customerId: a.customer_id,
              currency: currency.trim(),
              amountMinor: amount,
              kind: 'adjustment',
              idempotencyKey: `season-release-${a.id}`,
              orderId,
              note: `season seat released (allocation ${a.id}) and sold again`,
            })
          : undefined;
      await tx('season_ticket_allocations')
        .where({ id: a.id })
        .update({ resold_order_id: orderId, credit_entry_id: entry?.id ?? null, updated_at: tx.fn.now() });
      await emit(tx, tenantId, {
        type: 'season.release_credited',
        aggregateType: 'season_allocation',
        aggregateId: a.id,
        payload: {
          allocation_id: a.id,
          subscription_id: a.subscription_id,
          customer_id: a.customer_id,
          order_id: orderId,
          amount_minor: amount,
          currency: currency.trim(),
        },
      });
      credited += 1;
    }
  }
  return credited;
}
