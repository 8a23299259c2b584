import type { Tx } from '../connection';
import { seasonSettingsOf, type ResolvedSeasonSettings } from '../../domain/season/settings';
import { getEvent } from '../events/events';
import { syncSoldOutStatus } from '../events/inventory';
import { getModule } from '../platform/modules';
import { emit } from '../platform/outbox';
import { OPEN_EVENT_STATUSES, PACKAGE_COVERS_EVENT, SEAT_PACKAGE_TYPES } from './allocation-scope';

export const ALLOCATION_STATUSES = ['allocated', 'claimed', 'exchanged', 'released'] as const;
export type AllocationStatus = (typeof ALLOCATION_STATUSES)[number];
export const ALLOCATION_KINDS = ['seat', 'flex', 'exchange'] as const;
export type AllocationKind = (typeof ALLOCATION_KINDS)[number];
export type ReleaseReason = 'holder' | 'unclaimed' | 'expired' | 'cancelled' | 'refunded';

export interface AllocationRow {
  id: number;
  tenant_id: string;
  subscription_id: number;
  event_id: number;
  ticket_type_id: number;
  kind: AllocationKind;
  section: string | null;
  row: string | null;
  seat: string | null;
  status: AllocationStatus;
  ticket_id: number | null;
  order_id: number | null;
  exchanged_from_id: number | null;
  claimed_at: Date | null;
  warned_at: Date | null;
  released_at: Date | null;
  release_reason: ReleaseReason | null;
  resold_order_id: number | null;
  credit_entry_id: number | null;
  credit_returned_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The tenant's season settings, defaults filled in. */
export async function loadSeasonSettings(tx: Tx): Promise<ResolvedSeasonSettings> {
  return seasonSettingsOf((await getModule(tx, 'season'))?.settings);
}

/** Whether the event has season seats not yet claimed (its release workflow has work to do). */
export async function holdsUnclaimed(tx: Tx, eventId: number): Promise<boolean> {
  return !!(await tx('season_ticket_allocations').where({ event_id: eventId, status: 'allocated' }).first('id'));
}

/**
 * Locks ticket types in id order (`for no key update`, as order placement's reservation takes them),
 * so inventory read next is current and concurrent orders and allocations never deadlock.
 */
export async function lockTicketTypes(tx: Tx, where: { eventId?: number; ids?: number[] }): Promise<void> {
  const q = tx('ticket_types').orderBy('id').forNoKeyUpdate().select('id');
  if (where.eventId !== undefined) q.where({ event_id: where.eventId });
  if (where.ids) q.whereIn('id', where.ids);
  await q;
}

/**
 * Allocates an event's season seats: one `seat` allocation for every active subscription whose
 * package covers the event and has none yet, in one statement. Each takes one unit of a ticket
 * type's inventory (the type named like the seat's section, else the event's first type), counted
 * in `sold` exactly as a sale: a held seat can never be sold singly. When a type has fewer units
 * left than members, priority-seating packages go first, then the oldest subscriptions; the rest
 * are skipped. Events too close to start (inside `unclaimed_release_hours`) take no allocations.
 */
export async function allocateEvent(
  tx: Tx,
  tenantId: string,
  eventId: number,
  opts: { subscriptionId?: number; now?: Date; settings?: ResolvedSeasonSettings } = {},
): Promise<{ allocated: number; skipped: number }> {
  const now = opts.now ?? new Date();
  const event = await getEvent(tx, eventId);
  if (!event || !(OPEN_EVENT_STATUSES as readonly string[]).includes(event.status)) return { allocated: 0, skipped: 0 };
  const settings = opts.settings ?? (await loadSeasonSettings(tx));
  if (event.starts_at.getTime() - settings.unclaimed_release_hours * 3_600_000 <= now.getTime())
    return { allocated: 0, skipped: 0 };
  await lockTicketTypes(tx, { eventId });
  const { rows } = await tx.raw<{ rows: { allocated: number; candidates: number }[] }>(
    `
    with tt as (
      select id, lower(name) as name, inventory - sold as available from ticket_types where event_id = :eventId
    ),
    named as (select distinct on (name) name, id from tt order by name, id),
    cand as (
      select s.id as subscription_id, st.section, st."row", st.seat,
        coalesce(n.id, (select min(t.id) from tt t)) as ticket_type_id,
        coalesce(p.benefits -> 'priority_seating' = 'true'::jsonb, false) as priority
      from events e
      join season_packages p on p.status = 'active' and p.type = any(:types) and ${PACKAGE_COVERS_EVENT}
      join season_subscriptions s on s.package_id = p.id and s.status = 'active'
      left join season_seats st on st.subscription_id = s.id
      left join named n on n.name = lower(st.section)
      where e.id = :eventId and (cast(:subscriptionId as bigint) is null or s.id = :subscriptionId)
        and not exists (
          select 1 from season_ticket_allocations a
          where a.subscription_id = s.id and a.event_id = e.id and a.kind = 'seat'
        )
    ),
    ranked as (
      select c.*, row_number() over (partition by c.ticket_type_id order by c.priority desc, c.subscription_id) as rn
      from cand c where c.ticket_type_id is not null
    ),
    ins as (
      insert into season_ticket_allocations (tenant_id, subscription_id, event_id, ticket_type_id, kind, section, "row", seat)
      select :tenantId, r.subscription_id, :eventId, r.ticket_type_id, 'seat', r.section, r."row", r.seat
      from ranked r join tt on tt.id = r.ticket_type_id
      where r.rn <= tt.available
      on conflict (subscription_id, event_id) where kind = 'seat' do nothing
      returning id, ticket_type_id
    ),
    taken as (
      update ticket_types t set sold = t.sold + n.count, updated_at = now()
      from (select ticket_type_id, count(*)::int as count from ins group by ticket_type_id) n
      where t.id = n.ticket_type_id
      returning t.id
    )
    select (select count(*)::int from ins) as allocated,
           (select count(*)::int from cand) as candidates,
           (select count(*)::int from taken) as types
    `,
    {
      eventId,
      tenantId,
      subscriptionId: opts.subscriptionId ?? null,
      types: [...SEAT_PACKAGE_TYPES],
    },
  );
  const { allocated, candidates } = rows[0];
  const skipped = candidates - allocated;
  if (allocated) {
    await syncSoldOutStatus(tx, tenantId, eventId);
    await emit(tx, tenantId, {
      type: 'season.allocations_created',
      aggregateType: 'event',
      aggregateId: eventId,
      payload: { event_id: eventId, allocated, skipped },
    });
  }
  return { allocated, skipped };
}

/** Allocates a subscription's seat at every open event its package covers (a new or resumed subscription). */
export async function allocateSubscription(
  tx: Tx,
  tenantId: string,
  subscriptionId: number,
  now = new Date(),
): Promise<number> {
  const events: { id: number }[] = await tx('events as e')
    .join('season_packages as p', tx.raw(PACKAGE_COVERS_EVENT))
    .join('season_subscriptions as s', 's.package_id', 'p.id')
    .where('s.id', subscriptionId)
    .whereIn('e.status', [...OPEN_EVENT_STATUSES])
    .where('e.starts_at', '>', now)
    .orderBy('e.id')
    .select('e.id');
  const settings = await loadSeasonSettings(tx);
  let total = 0;
  for (const { id } of events)
    total += (await allocateEvent(tx, tenantId, id, { subscriptionId, now, settings })).allocated;
  return total;
}

/**
 * Gives allocations that are still `allocated` back to single-ticket sale, in one statement per
 * step: inventory is returned, each event's sold-out status follows (a sold-out event coming back
 * on sale announces `event.back_on_sale`, which offers the seats to its waitlist first), and
 * `season.allocations_released` is announced per event. Answers the ids released.
 */
export async function releaseAllocations(
  tx: Tx,
  tenantId: string,
  ids: number[],
  reason: Exclude<ReleaseReason, 'refunded'>,
  now = new Date(),
): Promise<number[]> {
  if (!ids.length) return [];
  const typeIds: { ticket_type_id: number }[] = await tx('season_ticket_allocations')
    .whereIn('id', ids)
    .andWhere({ status: 'allocated' })
    .distinct('ticket_type_id');
  await lockTicketTypes(tx, { ids: typeIds.map((t) => t.ticket_type_id) });
  const { rows } = await tx.raw<{ rows: { id: number; event_id: number }[] }>(
    `
    with rel as (
      update season_ticket_allocations
      set status = 'released', released_at = :now, release_reason = :reason, updated_at = :now
      where id = any(:ids) and status = 'allocated'
      returning id, event_id, ticket_type_id
    ),
    -- Runs to completion though nothing reads it (a data-modifying WITH always does).
    back as (
      update ticket_types t set sold = t.sold - n.count, updated_at = now()
      from (select ticket_type_id, count(*)::int as count from rel group by ticket_type_id) n
      where t.id = n.ticket_type_id
    )
    select id, event_id from rel order by id
    `,
    { ids, reason, now },
  );
  const byEvent = new Map<number, number[]>();
  for (const r of rows) byEvent.set(r.event_id, [...(byEvent.get(r.event_id) ?? []), r.id]);
  for (const [eventId, allocationIds] of [...byEvent].sort((a, b) => a[0] - b[0])) {
    await syncSoldOutStatus(tx, tenantId, eventId);
    await emit(tx, tenantId, {
      type: 'season.allocations_released',
      aggregateType: 'event',
      aggregateId: eventId,
      payload: { event_id: eventId, allocation_ids: allocationIds, reason },
    });
  }
  return rows.map((r) => r.id);
}

/**
 * Releases every season seat a subscription holds (its allocations of events yet to come go back to
 * single-ticket sale) and frees its season seat; returns how many were released. Claimed tickets stay valid.
 */
export async function releaseSubscriptionSeats(
  tx: Tx,
  tenantId: string,
  subscriptionId: number,
  reason: 'expired' | 'cancelled',
): Promise<number> {
  const now = new Date();
  const held: { id: number }[] = await tx('season_ticket_allocations as a')
    .join('events as e', 'e.id', 'a.event_id')
    .where({ 'a.subscription_id': subscriptionId, 'a.status': 'allocated' })
    .andWhere('e.starts_at', '>', now)
    .orderBy('a.id')
    .select('a.id');
  const released = await releaseAllocations(
    tx,
    tenantId,
    held.map((h) => h.id),
    reason,
    now,
  );
  await tx('season_seats').where({ subscription_id: subscriptionId }).delete();
  return released.length;
}
