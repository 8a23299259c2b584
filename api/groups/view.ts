import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getGroup, listMembers, type GroupMemberRow, type GroupRow } from '../../db/groups/groups';
import type { Auth } from '../route';
import { visibleTo } from '../ownership';
import { isoOrNull } from '../schemas/common';
import type { Group, GroupSummary } from './bookings-schemas';

/** A group the caller may see: any of the tenant's with a key, only its own as the leader's token; else 404. */
export async function loadOwnGroup(tx: Tx, auth: Auth, id: number, lock = false): Promise<GroupRow> {
  return visibleTo(auth, await getGroup(tx, id, { lock }), (g) => g.leader_customer_id, 'Group');
}

const owes = (m: GroupMemberRow): boolean => m.status !== 'released' && m.paid_at === null;

export function groupSummary(g: GroupRow, members: GroupMemberRow[]): z.infer<typeof GroupSummary> {
  return {
    id: g.id,
    event_id: g.event_id,
    leader_customer_id: g.leader_customer_id,
    name: g.name,
    size: g.size,
    status: g.status,
    payment_mode: g.payment_mode,
    currency: g.currency?.trim() ?? null,
    hold_expires_at: isoOrNull(g.hold_expires_at),
    payment_deadline_at: isoOrNull(g.payment_deadline_at),
    order_id: g.order_id,
    owed_minor: members.filter(owes).reduce((s, m) => s + (m.price_minor ?? 0), 0),
  };
}

export async function groupView(tx: Tx, g: GroupRow): Promise<z.infer<typeof Group>> {
  const members = await listMembers(tx, g.id);
  return {
    ...groupSummary(g, members),
    members: members.map((m) => ({
      id: m.id,
      ticket_type_id: m.ticket_type_id,
      name: m.name,
      email: m.email,
      status: m.status,
      price_minor: m.price_minor,
      covered_by_leader: m.covered_by_leader,
      paid: m.paid_at !== null,
      ticket_id: m.ticket_id,
    })),
  };
}
