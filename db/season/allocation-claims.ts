import type { Tx } from '../connection';
import { conflict, unprocessable } from '../../lib/errors';
import { benefitsOf } from '../../domain/season/benefits';
import { seatLabel } from '../../domain/season/seats';
import { releaseInventory, syncSoldOutStatus } from '../events/inventory';
import { fulfilOrder } from '../orders/fulfilment';
import type { PaymentProviderName } from '../orders/orders';
import { placeOrder } from '../orders/placement';
import { emit } from '../platform/outbox';
import { updateTicket, type TicketRow } from '../tickets/tickets';
import type { OwnedAllocation } from './allocation-queries';
import type { AllocationRow } from './allocations';
import { getPackage } from './packages';
import { getSubscription, type SubscriptionRow } from './subscriptions';

export interface SeasonTicketInput {
  eventId: number;
  ticketTypeId: number;
  customerId: number;
  provider: PaymentProviderName;
  /** The unit is already held (a claimed allocation); otherwise it is taken as a sale takes it. */
  reserved: boolean;
  /** Recorded as the order's payment reference: the season pays, not a card. */
  reference: string;
  seat?: { section: string | null; row: string | null; seat: string | null };
}

/**
 * Issues one ticket the season has paid for, through the orders path every reserved seat takes:
 * a zero-price order placed and fulfilled in this transaction, so `order.created` follows as for
 * any ticket (wallet pass, CRM, analytics). The ticket carries the season seat.
 */
export async function issueSeasonTicket(
  tx: Tx,
  tenantId: string,
  input: SeasonTicketInput,
): Promise<{ orderId: number; ticket: TicketRow }> {
  const { order } = await placeOrder(tx, tenantId, {
    eventId: input.eventId,
    customerId: input.customerId,
    provider: input.provider,
    reserved: input.reserved,
    lines: [{ ticketTypeId: input.ticketTypeId, quantity: 1, unitPriceMinor: 0 }],
  });
  let [ticket] = await fulfilOrder(tx, tenantId, order.id, input.reference);
  const { section, row, seat } = input.seat ?? { section: null, row: null, seat: null };
  if (section && row && seat) ticket = await updateTicket(tx, ticket.id, { section, seat: seatLabel(row, seat) });
  return { orderId: order.id, ticket };
}

/** The subscription an allocation belongs to, which must be active for its member to act on it. */
export async function activeSubscription(tx: Tx, subscriptionId: number): Promise<SubscriptionRow> {
  const sub = await getSubscription(tx, subscriptionId);
  if (!sub || sub.status !== 'active')
    throw conflict('subscription_not_active', `Subscription ${subscriptionId} is ${sub?.status ?? 'gone'}`);
  return sub;
}

/** The member takes the seat: a ticket is issued from the held unit and the allocation is `claimed`. */
export async function claimAllocation(
  tx: Tx,
  tenantId: string,
  allocation: OwnedAllocation,
  provider: PaymentProviderName,
): Promise<AllocationRow> {
  if (allocation.status !== 'allocated')
    throw conflict('allocation_not_claimable', `Allocation ${allocation.id} is ${allocation.status}`);
  await activeSubscription(tx, allocation.subscription_id);
  const { orderId, ticket } = await issueSeasonTicket(tx, tenantId, {
    eventId: allocation.event_id,
    ticketTypeId: allocation.ticket_type_id,
    customerId: allocation.customer_id,
    provider,
    reserved: true,
    reference: `season-allocation-${allocation.id}`,
    seat: allocation,
  });
  const [row] = (await tx('season_ticket_allocations')
    .where({ id: allocation.id })
    .update({
      status: 'claimed',
      ticket_id: ticket.id,
      order_id: orderId,
      claimed_at: tx.fn.now(),
      updated_at: tx.fn.now(),
    })
    .returning('*')) as AllocationRow[];
  await emit(tx, tenantId, {
    type: 'season.allocation_claimed',
    aggregateType: 'season_allocation',
    aggregateId: allocation.id,
    payload: {
      allocation_id: allocation.id,
      subscription_id: allocation.subscription_id,
      event_id: allocation.event_id,
      ticket_id: ticket.id,
      order_id: orderId,
    },
  });
  return row;
}

/** The event's ticket type a season seat takes: the one named like the seat's section, else its first. */
export async function seatTicketType(tx: Tx, eventId: number, section: string | null): Promise<number> {
  const [row] = (await tx('ticket_types')
    .where({ event_id: eventId })
    .orderByRaw('(lower(name) = lower(?)) desc, id', [section ?? ''])
    .limit(1)
    .select('id')) as { id: number }[];
  if (!row) throw unprocessable('no_ticket_types', `Event ${eventId} has no ticket types`);
  return row.id;
}

/**
 * Swaps an unclaimed seat for a ticket to another event, within the package's `free_exchanges`
 * per subscription: the new event's unit is taken as a sale takes it (409 `sold_out` when none is
 * left), a claimed `exchange` allocation records the ticket, and the old seat goes back on sale
 * (no store credit: its holder got a ticket instead).
 */
export async function exchangeAllocation(
  tx: Tx,
  tenantId: string,
  allocation: OwnedAllocation,
  target: { eventId: number; ticketTypeId?: number },
  provider: PaymentProviderName,
): Promise<{ from: AllocationRow; to: AllocationRow }> {
  if (allocation.status !== 'allocated' || allocation.kind !== 'seat')
    throw conflict('allocation_not_exchangeable', `Allocation ${allocation.id} is ${allocation.status}`);
  if (target.eventId === allocation.event_id)
    throw unprocessable('same_event', 'The allocation already is for this event');
  const sub = await activeSubscription(tx, allocation.subscription_id);
  const pkg = await getPackage(tx, sub.package_id);
  const allowed = benefitsOf(pkg?.benefits).free_exchanges ?? 0;
  const [{ used }] = (await tx('season_ticket_allocations')
    .where({ subscription_id: sub.id, status: 'exchanged' })
    .count<{ used: number }[]>({ used: '*' })) as unknown as { used: string | number }[];
  if (Number(used) >= allowed)
    throw unprocessable('no_free_exchanges', `The package allows ${allowed} exchanges; ${used} are used`, {
      allowed,
      used: Number(used),
    });
  const ticketTypeId = target.ticketTypeId ?? (await seatTicketType(tx, target.eventId, allocation.section));
  const { orderId, ticket } = await issueSeasonTicket(tx, tenantId, {
    eventId: target.eventId,
    ticketTypeId,
    customerId: sub.customer_id,
    provider,
    reserved: false,
    reference: `season-exchange-${allocation.id}`,
  });
  const [to] = (await tx('season_ticket_allocations')
    .insert({
      tenant_id: tenantId,
      subscription_id: sub.id,
      event_id: target.eventId,
      ticket_type_id: ticketTypeId,
      kind: 'exchange',
      status: 'claimed',
      ticket_id: ticket.id,
      order_id: orderId,
      exchanged_from_id: allocation.id,
      claimed_at: tx.fn.now(),
    })
    .returning('*')) as AllocationRow[];
  const [from] = (await tx('season_ticket_allocations')
    .where({ id: allocation.id })
    .update({ status: 'exchanged', updated_at: tx.fn.now() })
    .returning('*')) as AllocationRow[];
  await releaseInventory(tx, allocation.ticket_type_id, 1);
  await syncSoldOutStatus(tx, tenantId, allocation.event_id);
  await emit(tx, tenantId, {
    type: 'season.allocation_exchanged',
    aggregateType: 'season_allocation',
    aggregateId: allocation.id,
    payload: {
      allocation_id: allocation.id,
      subscription_id: sub.id,
      event_id: allocation.event_id,
      new_allocation_id: to.id,
      new_event_id: target.eventId,
      ticket_id: ticket.id,
    },
  });
  return { from, to };
}
