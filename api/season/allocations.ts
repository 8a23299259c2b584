import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { claimAllocation, exchangeAllocation } from '../../db/season/allocation-claims';
import { getAllocation, listAllocations, type OwnedAllocation } from '../../db/season/allocation-queries';
import { allocateEvent, releaseAllocations, type AllocationRow } from '../../db/season/allocations';
import { redeemFlexCredit } from '../../db/season/credits';
import { assignSeat, seatOwner, type SeasonSeatRow } from '../../db/season/seats';
import { getSubscription } from '../../db/season/subscriptions';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams, isoOrNull, page, toPage } from '../schemas/common';
import {
  AllocateResult,
  Allocation,
  AllocationQuery,
  ExchangeBody,
  Exchanged,
  RedeemBody,
  Redeemed,
  Seat,
  SeatBody,
} from './allocation-schemas';

const MODULE = 'season' as const;
const tags = ['season'];

const toAllocation = (a: AllocationRow, customerId: number): z.infer<typeof Allocation> => ({
  id: a.id,
  subscription_id: a.subscription_id,
  customer_id: customerId,
  event_id: a.event_id,
  ticket_type_id: a.ticket_type_id,
  kind: a.kind,
  section: a.section,
  row: a.row,
  seat: a.seat,
  status: a.status,
  ticket_id: a.ticket_id,
  order_id: a.order_id,
  exchanged_from_id: a.exchanged_from_id,
  claimed_at: isoOrNull(a.claimed_at),
  warned_at: isoOrNull(a.warned_at),
  released_at: isoOrNull(a.released_at),
  release_reason: a.release_reason,
  resold_order_id: a.resold_order_id,
  credit_entry_id: a.credit_entry_id,
  created_at: a.created_at.toISOString(),
});

const toSeat = (s: SeasonSeatRow): z.infer<typeof Seat> => ({
  subscription_id: s.subscription_id,
  package_id: s.package_id,
  section: s.section,
  row: s.row,
  seat: s.seat,
  updated_at: s.updated_at.toISOString(),
});

/** The allocation when the caller may act on it: another tenant's or another customer's answers 404. */
async function loadOwnAllocation(tx: Tx, auth: Auth, id: number, lock = false): Promise<OwnedAllocation> {
  return visibleTo(auth, await getAllocation(tx, id, { lock }), (a) => a.customer_id, 'Allocation');
}

async function reloaded(tx: Tx, id: number): Promise<z.infer<typeof Allocation>> {
  const a = (await getAllocation(tx, id)) as OwnedAllocation;
  return toAllocation(a, a.customer_id);
}

export function allocationsRoutes(deps: RouterDeps): void {
  const access = { scope: 'write', customer: true, module: MODULE } as const;

  defineRoute(deps, {
    method: 'get',
    path: '/api/season/allocations',
    summary: "Season allocations, by subscription or event (a customer token sees its own subscriptions')",
    tags,
    access: { scope: 'read', customer: true, module: MODULE },
    query: AllocationQuery,
    responses: { 200: { description: 'Allocations', schema: page(Allocation) } },
    handler: async ({ tx, auth, query }) => {
      const rows = await listAllocations(tx, {
        subscriptionId: query.subscription_id,
        eventId: query.event_id,
        status: query.status,
        kind: query.kind,
        customerId: auth.kind === 'customer' ? auth.customerId : undefined,
        after: query.after,
        limit: query.limit,
      });
      return { body: { ...toPage(rows, query.limit), items: rows.map((r) => toAllocation(r, r.customer_id)) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/season/allocations/{id}',
    summary: 'One season allocation',
    tags,
    access: { scope: 'read', customer: true, module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'Allocation', schema: Allocation } },
    handler: async ({ tx, auth, params }) => {
      const a = await loadOwnAllocation(tx, auth, params.id);
      return { body: toAllocation(a, a.customer_id) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/allocations/{id}/claim',
    summary: 'Claim a season seat for its event: a ticket is issued (wallet pass included)',
    tags,
    access,
    params: IdParams,
    idempotent: true,
    responses: { 200: { description: 'Claimed, with its ticket', schema: Allocation } },
    handler: async ({ tx, auth, params }) => {
      const a = await loadOwnAllocation(tx, auth, params.id, true);
      await claimAllocation(tx, auth.tenantId, a, deps.payments.name);
      return { body: await reloaded(tx, a.id) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/allocations/{id}/exchange',
    summary: "Exchange an unclaimed season seat for a ticket to another event, within the package's free exchanges",
    tags,
    access,
    params: IdParams,
    body: ExchangeBody,
    idempotent: true,
    responses: {
      200: { description: 'Exchanged: the old allocation and the new one with its ticket', schema: Exchanged },
    },
    handler: async ({ tx, auth, params, body }) => {
      const a = await loadOwnAllocation(tx, auth, params.id, true);
      if (!(await getEvent(tx, body.event_id))) throw notFound('Event');
      const { from, to } = await exchangeAllocation(
        tx,
        auth.tenantId,
        a,
        { eventId: body.event_id, ticketTypeId: body.ticket_type_id },
        deps.payments.name,
      );
      return { body: { from: toAllocation(from, a.customer_id), to: toAllocation(to, a.customer_id) } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/allocations/{id}/release',
    summary: "Give up one event's season seat: it goes back on sale, and store credit follows when it sells",
    tags,
    access,
    params: IdParams,
    idempotent: true,
    responses: { 200: { description: 'Released', schema: Allocation } },
    handler: async ({ tx, auth, params }) => {
      const a = await loadOwnAllocation(tx, auth, params.id, true);
      if (a.status !== 'allocated') throw conflict('allocation_not_releasable', `Allocation ${a.id} is ${a.status}`);
      const event = await getEvent(tx, a.event_id);
      if (!event || event.starts_at <= new Date()) throw unprocessable('event_started', 'The event has started');
      await releaseAllocations(tx, auth.tenantId, [a.id], 'holder');
      return { body: await reloaded(tx, a.id) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/subscriptions/{id}/redeem',
    summary: 'Redeem a flex credit for a ticket to an eligible event',
    tags,
    access,
    params: IdParams,
    body: RedeemBody,
    idempotent: true,
    responses: { 201: { description: 'Redeemed, with the ticket', schema: Redeemed } },
    handler: async ({ tx, auth, params, body }) => {
      const sub = visibleTo(auth, await getSubscription(tx, params.id), (s) => s.customer_id, 'Subscription');
      if (!(await getEvent(tx, body.event_id))) throw notFound('Event');
      const { allocation, creditsRemaining } = await redeemFlexCredit(
        tx,
        auth.tenantId,
        sub.id,
        { eventId: body.event_id, ticketTypeId: body.ticket_type_id },
        deps.payments.name,
      );
      return {
        status: 201,
        headers: { Location: `/api/season/allocations/${allocation.id}` },
        body: { allocation: toAllocation(allocation, sub.customer_id), flex_credits_remaining: creditsRemaining },
      };
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/season/subscriptions/{id}/seat',
    summary: "Assign a subscription's season seat, unique within its package's scope",
    tags,
    access: { scope: 'write', module: MODULE },
    params: IdParams,
    body: SeatBody,
    responses: { 200: { description: 'The seat', schema: Seat } },
    handler: async ({ tx, auth, params, body }) => {
      const owner = await seatOwner(tx, params.id);
      if (!owner) throw notFound('Subscription');
      if (owner.status === 'cancelled' || owner.status === 'expired')
        throw conflict('subscription_not_active', `Subscription ${owner.id} is ${owner.status}`);
      return { body: toSeat(await assignSeat(tx, auth.tenantId, owner, body)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/season/events/{id}/allocate',
    summary: "Allocate an event's season seats now (new events and ticket types are allocated automatically)",
    tags,
    access: { scope: 'write', module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'What was allocated', schema: AllocateResult } },
    handler: async ({ tx, auth, params }) => {
      if (!(await getEvent(tx, params.id))) throw notFound('Event');
      const result = await allocateEvent(tx, auth.tenantId, params.id);
      return { body: { event_id: params.id, ...result } };
    },
  });
}
