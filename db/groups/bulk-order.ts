import type { Tx } from '../connection';
import { conflict } from '../../lib/errors';
import { priceGroup, type GroupQuote } from '../../domain/groups/pricing';
import type { RosterEntry } from '../../domain/groups/roster';
import { placeOrder } from '../orders/placement';
import type { PaymentProviderName } from '../orders/orders';
import { emit } from '../platform/outbox';
import {
  countByType,
  groupTicketTypes,
  listMembers,
  loadGroupsSettings,
  rebalanceSeats,
  type GroupMemberRow,
  type GroupRow,
} from './groups';

/** Prices a roster of ticket types at the tenant's group rules, without writing anything (the quote). */
export async function quoteSeats(tx: Tx, eventId: number, ticketTypeIds: number[]): Promise<GroupQuote> {
  const types = await groupTicketTypes(tx, eventId, [...new Set(ticketTypeIds)]);
  const settings = await loadGroupsSettings(tx);
  return priceGroup(
    ticketTypeIds.map((id) => ({ ticketTypeId: id, listPriceMinor: types.get(id)?.price_minor ?? 0 })),
    settings,
  );
}

/**
 * The bulk order: the roster replaces the group's open seats, seats are taken or given back so the group holds
 * exactly one per roster entry, each seat is priced at the group price and one order records them all. It runs in
 * the caller's transaction, so a seat that cannot be had leaves nothing written. The group row is locked first.
 */
export async function placeBulkOrder(
  tx: Tx,
  tenantId: string,
  group: GroupRow,
  input: { entries: RosterEntry[]; provider: PaymentProviderName; coveredByLeader: string[]; now?: Date },
): Promise<{ group: GroupRow; members: GroupMemberRow[]; quote: GroupQuote }> {
  const now = input.now ?? new Date();
  if (group.status !== 'held' || group.order_id !== null)
    throw conflict(
      'group_already_ordered',
      `Group ${group.id} is ${group.order_id ? 'already ordered' : group.status}`,
    );
  const ids = input.entries.map((e) => e.ticketTypeId);
  const types = await groupTicketTypes(tx, group.event_id, [...new Set(ids)]);
  const held = countByType((await listMembers(tx, group.id)).map((m) => ({ ticketTypeId: m.ticket_type_id })));
  await rebalanceSeats(tx, types, held, countByType(ids.map((ticketTypeId) => ({ ticketTypeId }))));
  const quote = await quoteSeats(tx, group.event_id, ids);

  // Orders take one line per ticket type: a type's line carries its seats' mean group price. The group's
  // shares (one per seat, exact) are what members pay; the order is the record its tickets are issued against.
  const lines = [...countByType(ids.map((ticketTypeId) => ({ ticketTypeId }))).entries()].map(([id, quantity]) => ({
    ticketTypeId: id,
    quantity,
    unitPriceMinor: Math.round(
      quote.seats.filter((s) => s.ticketTypeId === id).reduce((sum, s) => sum + s.priceMinor, 0) / quantity,
    ),
  }));
  const { order } = await placeOrder(tx, tenantId, {
    eventId: group.event_id,
    customerId: group.leader_customer_id,
    lines,
    provider: input.provider,
    reserved: true,
    now,
  });

  const settings = await loadGroupsSettings(tx);
  const covered = new Set(input.coveredByLeader);
  await tx('group_members').where({ group_id: group.id }).delete();
  const members = (await tx('group_members')
    .insert(
      input.entries.map((e, i) => ({
        tenant_id: tenantId,
        group_id: group.id,
        ticket_type_id: e.ticketTypeId,
        name: e.name,
        email: e.email,
        price_minor: quote.seats[i].priceMinor,
        covered_by_leader: group.payment_mode === 'leader' || covered.has(e.email),
      })),
    )
    .returning('*')) as GroupMemberRow[];
  const deadline = new Date(now.getTime() + settings.payment_days * 86_400_000 * settings.deadline_time_scale);
  const [updated] = (await tx('groups')
    .where({ id: group.id })
    .update({
      status: 'confirmed',
      size: members.length,
      order_id: order.id,
      payment_deadline_at: deadline,
      updated_at: now,
    })
    .returning('*')) as GroupRow[];
  await emit(tx, tenantId, {
    type: 'group.ordered',
    aggregateType: 'group',
    aggregateId: group.id,
    payload: {
      group_id: group.id,
      event_id: group.event_id,
      order_id: order.id,
      size: members.length,
      total_minor: quote.totalMinor,
      currency: order.currency.trim(),
      payment_deadline_at: deadline.toISOString(),
    },
  });
  return { group: updated, members, quote };
}
