import type { Tx } from '../connection';
import { AppError, notFound, unprocessable } from '../../lib/errors';
import { isSellable } from '../../domain/events/lifecycle';
import { groupsSettingsOf, type GroupsSettingsResolved } from '../../domain/groups/settings';
import { getEvent } from '../events/events';
import { releaseInventory, syncSoldOutStatus, takeInventory } from '../events/inventory';
import { ticketTypesOfEvent, type TicketTypeRow } from '../events/ticket-types';
import { getModule } from '../platform/modules';
import { emit } from '../platform/outbox';

export type GroupStatus = 'held' | 'confirmed' | 'completed' | 'expired' | 'cancelled';
export type PaymentMode = 'leader' | 'members' | 'mixed';
export type MemberStatus = 'open' | 'invited' | 'accepted' | 'completed' | 'released';

export interface GroupRow {
  id: number;
  tenant_id: string;
  event_id: number;
  leader_customer_id: number;
  name: string;
  size: number;
  status: GroupStatus;
  currency: string | null;
  payment_mode: PaymentMode;
  hold_expires_at: Date | null;
  payment_deadline_at: Date | null;
  order_id: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface GroupMemberRow {
  id: number;
  tenant_id: string;
  group_id: number;
  ticket_type_id: number;
  customer_id: number | null;
  name: string | null;
  email: string | null;
  details: Record<string, unknown>;
  status: MemberStatus;
  price_minor: number | null;
  covered_by_leader: boolean;
  paid_at: Date | null;
  ticket_id: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface SeatLine {
  ticketTypeId: number;
  quantity: number;
}

export async function loadGroupsSettings(tx: Tx): Promise<GroupsSettingsResolved> {
  return groupsSettingsOf((await getModule(tx, 'groups'))?.settings);
}

export async function getGroup(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<GroupRow | undefined> {
  const q = tx<GroupRow>('groups').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listGroups(
  tx: Tx,
  opts: { leaderCustomerId?: number; eventId?: number; limit: number; after?: number },
): Promise<GroupRow[]> {
  return tx<GroupRow>('groups')
    .modify((q) => {
      if (opts.leaderCustomerId) q.where({ leader_customer_id: opts.leaderCustomerId });
      if (opts.eventId) q.where({ event_id: opts.eventId });
      if (opts.after) q.where('id', '>', opts.after);
    })
    .orderBy('id')
    .limit(opts.limit);
}

export async function listMembers(tx: Tx, groupId: number, opts: { lock?: boolean } = {}): Promise<GroupMemberRow[]> {
  const q = tx<GroupMemberRow>('group_members').where({ group_id: groupId }).orderBy('id');
  return opts.lock ? q.forUpdate() : q;
}

/** The event's ticket types a group asks for, each known or a 422 naming the stranger. */
export async function groupTicketTypes(tx: Tx, eventId: number, ids: number[]): Promise<Map<number, TicketTypeRow>> {
  const types = await ticketTypesOfEvent(tx, eventId, ids);
  for (const id of ids)
    if (!types.has(id))
      throw unprocessable('unknown_ticket_type', `Ticket type ${id} does not belong to this event`, {
        ticket_type_id: id,
      });
  return types;
}

/**
 * Moves the seats a group holds from `held` to `wanted` counts per ticket type: more seats are taken with the
 * conditional update (`sold + n <= inventory`), surplus given back. Types go in id order so two groups never
 * deadlock; a type that cannot supply its seats is a 409 and the caller's transaction rolls everything back.
 */
export async function rebalanceSeats(
  tx: Tx,
  types: ReadonlyMap<number, TicketTypeRow>,
  held: ReadonlyMap<number, number>,
  wanted: ReadonlyMap<number, number>,
): Promise<void> {
  const ids = [...new Set([...held.keys(), ...wanted.keys()])].sort((a, b) => a - b);
  for (const id of ids) {
    const diff = (wanted.get(id) ?? 0) - (held.get(id) ?? 0);
    if (diff < 0) await releaseInventory(tx, id, -diff);
    if (diff > 0 && !(await takeInventory(tx, id, diff))) {
      const tt = types.get(id);
      throw new AppError(409, 'sold_out', `Not enough tickets left of type ${id}`, {
        ticket_type_id: id,
        requested: diff,
        remaining: Math.max((tt?.inventory ?? 0) - (tt?.sold ?? 0), 0),
      });
    }
  }
}

export const countByType = (lines: readonly { ticketTypeId: number; quantity?: number }[]): Map<number, number> => {
  const m = new Map<number, number>();
  for (const l of lines) m.set(l.ticketTypeId, (m.get(l.ticketTypeId) ?? 0) + (l.quantity ?? 1));
  return m;
};

/** Creates a group and holds its seats (counted as sold) in the caller's transaction: all seats or none. */
export async function createGroup(
  tx: Tx,
  tenantId: string,
  input: {
    eventId: number;
    leaderCustomerId: number;
    name: string;
    seats: SeatLine[];
    paymentMode: PaymentMode;
    now?: Date;
  },
): Promise<GroupRow> {
  const now = input.now ?? new Date();
  const event = await getEvent(tx, input.eventId);
  if (!event) throw notFound('Event');
  if (!isSellable(event.status)) {
    const soldOut = event.status === 'sold_out';
    throw new AppError(soldOut ? 409 : 422, soldOut ? 'sold_out' : 'event_not_on_sale', `The event is ${event.status}`);
  }
  const wanted = countByType(input.seats);
  const types = await groupTicketTypes(tx, input.eventId, [...wanted.keys()]);
  const currencies = new Set([...types.values()].map((t) => t.currency.trim()));
  if (currencies.size > 1) throw unprocessable('mixed_currencies', 'All ticket types of a group must share a currency');
  await rebalanceSeats(tx, types, new Map(), wanted);
  const settings = await loadGroupsSettings(tx);
  const size = [...wanted.values()].reduce((a, b) => a + b, 0);
  const [group] = (await tx('groups')
    .insert({
      tenant_id: tenantId,
      event_id: input.eventId,
      leader_customer_id: input.leaderCustomerId,
      name: input.name,
      size,
      currency: [...currencies][0],
      payment_mode: input.paymentMode,
      // --- hold scaled like every deadline duration (groups-gate) ---
      hold_expires_at: new Date(now.getTime() + settings.hold_hours * 3_600_000 * settings.deadline_time_scale),
      // --- end hold scaled (groups-gate) ---
    })
    .returning('*')) as GroupRow[];
  await tx('group_members').insert(
    input.seats.flatMap((l) =>
      Array.from({ length: l.quantity }, () => ({
        tenant_id: tenantId,
        group_id: group.id,
        ticket_type_id: l.ticketTypeId,
      })),
    ),
  );
  await syncSoldOutStatus(tx, tenantId, input.eventId);
  await emit(tx, tenantId, {
    type: 'group.created',
    aggregateType: 'group',
    aggregateId: group.id,
    payload: {
      group_id: group.id,
      event_id: group.event_id,
      leader_customer_id: group.leader_customer_id,
      size,
      hold_expires_at: (group.hold_expires_at as Date).toISOString(),
    },
  });
  return group;
}
