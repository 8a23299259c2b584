import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getCustomer } from '../../db/customers/customers';
import { placeBulkOrder, quoteSeats } from '../../db/groups/bulk-order';
import { createGroup, groupTicketTypes, listGroups, listMembers, loadGroupsSettings } from '../../db/groups/groups';
import { listTicketTypes } from '../../db/events/ticket-types';
import type { GroupQuote as Quote } from '../../domain/groups/pricing';
import { parseRosterCsv, type RosterEntry } from '../../domain/groups/roster';
import { AppError, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, type Auth } from '../route';
import { IdParams, mapInOrder, page, toPage } from '../schemas/common';
import {
  BulkOrder,
  BulkOrderResult,
  CreateGroup,
  Group,
  GroupQuote,
  GroupSummary,
  GroupsQuery,
  QuoteRequest,
} from './bookings-schemas';
import { startGroupDeadline } from './deadline';
import { groupSummary, groupView, loadOwnGroup } from './view';

async function resolveLeader(tx: Tx, auth: Auth, leaderId: number | undefined): Promise<number> {
  if (auth.kind === 'customer') {
    if (leaderId !== undefined && leaderId !== auth.customerId)
      throw unprocessable('customer_fixed_by_token', 'A customer token leads its own group');
    return auth.customerId;
  }
  if (leaderId === undefined)
    throw new AppError(400, 'validation_failed', 'A tenant key names the leader', {
      errors: [{ path: 'body.leader_customer_id', message: 'required with a tenant key', code: 'custom' }],
    });
  if (!(await getCustomer(tx, leaderId))) throw unprocessable('unknown_customer', 'The customer does not exist');
  return leaderId;
}

function quoteBody(quote: Quote, currency: string): z.infer<typeof GroupQuote> {
  const byType = new Map<number, z.infer<typeof GroupQuote>['lines'][number]>();
  for (const s of quote.seats) {
    const line = byType.get(s.ticketTypeId) ?? {
      ticket_type_id: s.ticketTypeId,
      quantity: 0,
      list_price_minor: s.listPriceMinor,
      total_minor: 0,
      free: 0,
    };
    line.quantity += 1;
    line.total_minor += s.priceMinor;
    if (s.rule === 'free') line.free += 1;
    byType.set(s.ticketTypeId, line);
  }
  return {
    size: quote.seats.length,
    percent_off: quote.percentOff,
    free_seats: quote.freeSeats,
    list_total_minor: quote.listTotalMinor,
    total_minor: quote.totalMinor,
    currency,
    lines: [...byType.values()],
  };
}

/** The roster from JSON members or a CSV upload; every faulty CSV row is reported, and nothing is ordered. */
async function rosterOf(tx: Tx, eventId: number, body: z.output<typeof BulkOrder>): Promise<RosterEntry[]> {
  if (body.members) {
    await groupTicketTypes(tx, eventId, [...new Set(body.members.map((m) => m.ticket_type_id))]);
    return body.members.map((m) => ({ name: m.name, email: m.email, ticketTypeId: m.ticket_type_id }));
  }
  const types = await listTicketTypes(tx, eventId);
  const byRef = new Map<string, number>();
  for (const t of types) byRef.set(t.name, t.id).set(String(t.id), t.id);
  const { entries, errors } = parseRosterCsv(body.roster_csv ?? '', byRef);
  if (errors.length)
    throw new AppError(400, 'invalid_roster', `The roster has ${errors.length} fault(s); nothing was ordered`, {
      errors: errors.map((e) => ({
        path: `body.roster_csv.row[${e.row}].${e.field}`,
        message: e.message,
        code: 'custom',
      })),
    });
  return entries;
}

/** Groups: created with their seats held, quoted at group prices, ordered in bulk from a roster. */
export function bookingsRoutes(deps: RouterDeps): void {
  const tags = ['groups'];
  const module = 'groups' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups',
    summary: "Create a group for a leader and hold its seats for the hold period (409 sold_out if they don't fit)",
    tags,
    access: { scope: 'write', customer: true, module },
    body: CreateGroup,
    idempotent: true,
    responses: { 201: { description: 'Created, seats held', schema: Group } },
    handler: async ({ tx, auth, body }) => {
      const leader = await resolveLeader(tx, auth, body.leader_customer_id);
      const group = await createGroup(tx, auth.tenantId, {
        eventId: body.event_id,
        leaderCustomerId: leader,
        name: body.name,
        seats: body.seats.map((s) => ({ ticketTypeId: s.ticket_type_id, quantity: s.quantity })),
        paymentMode: body.payment_mode,
      });
      return { status: 201, body: await groupView(tx, group) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/groups/groups',
    summary: "The tenant's groups (a customer token sees the groups it leads)",
    tags,
    access: { scope: 'read', customer: true, module },
    query: GroupsQuery,
    responses: { 200: { description: 'Groups', schema: page(GroupSummary) } },
    handler: async ({ tx, auth, query }) => {
      const rows = await listGroups(tx, {
        leaderCustomerId: auth.kind === 'customer' ? auth.customerId : undefined,
        eventId: query.event_id,
        limit: query.limit,
        after: query.after,
      });
      const items = await mapInOrder(rows, async (g) => groupSummary(g, await listMembers(tx, g.id)));
      return { body: { ...toPage(rows, query.limit), items } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/groups/groups/{id}',
    summary: 'A group with its roster, who has paid and what is still owed',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'Group', schema: Group } },
    handler: async ({ tx, auth, params }) => ({ body: await groupView(tx, await loadOwnGroup(tx, auth, params.id)) }),
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/quotes',
    summary: 'Price seats at the group rules (size tiers, fixed group rates, N free per M) without holding them',
    tags,
    access: { scope: 'read', customer: true, module },
    body: QuoteRequest,
    responses: { 200: { description: 'Quote', schema: GroupQuote } },
    handler: async ({ tx, body }) => {
      const ids = body.seats.flatMap((s) => Array.from({ length: s.quantity }, () => s.ticket_type_id));
      const types = await groupTicketTypes(tx, body.event_id, [...new Set(ids)]);
      const quote = await quoteSeats(tx, body.event_id, ids);
      return { body: quoteBody(quote, [...types.values()][0].currency.trim()) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/groups/groups/{id}/orders',
    summary: 'Bulk order for a held group from a roster (JSON or CSV); faulty rows answer 400 and nothing is written',
    tags,
    access: { scope: 'write', customer: true, module },
    params: IdParams,
    body: BulkOrder,
    idempotent: true,
    responses: { 201: { description: 'Ordered; shares are now payable', schema: BulkOrderResult } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const group = await loadOwnGroup(tx, auth, params.id, true);
      const entries = await rosterOf(tx, group.event_id, body);
      const placed = await placeBulkOrder(tx, auth.tenantId, group, {
        entries,
        provider: deps.payments.name,
        coveredByLeader: body.covered_by_leader,
      });
      const settings = await loadGroupsSettings(tx);
      afterCommit(() => startGroupDeadline(deps, placed.group, settings));
      return {
        status: 201,
        body: {
          group: await groupView(tx, placed.group),
          quote: quoteBody(placed.quote, group.currency?.trim() ?? ''),
        },
      };
    },
  });
}
