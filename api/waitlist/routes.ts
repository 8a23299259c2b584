import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { withTenant } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { getOrder, type OrderRow } from '../../db/orders/orders';
import { placeOrder } from '../../db/orders/placement';
import {
  cancelWaitingEntry,
  entryPosition,
  getEntry,
  listEntries,
  markEntryPurchased,
  type QueuePlace,
  type WaitlistEntryRow,
} from '../../db/waitlist/entries';
import { closeOffer, offerAvailable, type Offer } from '../../db/waitlist/offers';
import { configureEventWaitlist, getEventWaitlist, type WaitlistSettingsRow } from '../../db/waitlist/settings';
import { joinWaitlist, joinWaitlistBatch, type BatchJoin, type JoinInput } from '../../db/waitlist/join';
import { AppError, conflict, notFound } from '../../lib/errors';
import { closeOfferSignal, waitlistOfferWorkflowId } from '../../workflows/waitlist/contract';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { customerRef, resolveCustomer, startPaymentAndFulfilment, waitForFulfilment } from '../orders/service';
import { loadOrderView } from '../orders/view';
import { Order } from '../orders/schemas';
import { defineRoute, RUN_ALONE, type Auth, type HandlerResult } from '../route';
import { IdParams, isoOrNull, mapInOrder, page, toPage } from '../schemas/common';
import {
  EntryQuery,
  EventWaitlist,
  EventWaitlistSettings,
  JoinWaitlist,
  NotifyNext,
  Offers,
  PurchaseOffer,
  WaitlistEntry,
} from './schemas';

const MODULE = 'waitlist' as const;

async function toEntry(tx: Tx, row: WaitlistEntryRow, place?: QueuePlace): Promise<z.infer<typeof WaitlistEntry>> {
  const { position, waiting } = place ?? (await entryPosition(tx, row));
  return {
    id: row.id,
    event_id: row.event_id,
    ticket_type_id: row.ticket_type_id,
    customer_id: row.customer_id,
    email: row.email,
    quantity: row.quantity,
    status: row.status,
    position,
    waiting,
    notified_at: isoOrNull(row.notified_at),
    expires_at: isoOrNull(row.expires_at),
    order_id: row.order_id,
    auto_purchase_max_minor: row.auto_purchase_max_minor,
    created_at: row.created_at.toISOString(),
  };
}

const toEventWaitlist = (row: WaitlistSettingsRow): z.infer<typeof EventWaitlist> => ({
  event_id: row.event_id,
  mode: row.mode,
  seed: row.seed,
  open: row.open,
  opened_at: isoOrNull(row.opened_at),
});

const toOffers = (offers: Offer[]): z.infer<typeof Offers> => ({
  offers: offers.map((o) => ({
    entry_id: o.entryId,
    ticket_type_id: o.ticketTypeId,
    quantity: o.quantity,
    expires_at: o.expiresAt.toISOString(),
  })),
});

async function loadOwnEntry(tx: Tx, auth: Auth, id: number, lock = false): Promise<WaitlistEntryRow> {
  return visibleTo(auth, await getEntry(tx, id, { lock }), (e) => e.customer_id, 'Waitlist entry');
}

async function loadEvent(tx: Tx, id: number): Promise<void> {
  if (!(await getEvent(tx, id))) throw notFound('Event');
}

type JoinBody = z.output<typeof JoinWaitlist>;

const autoPurchaseOf = (body: JoinBody): JoinInput['autoPurchase'] =>
  body.auto_purchase && {
    maxPriceMinor: body.auto_purchase.max_price_minor,
    paymentMethod: body.auto_purchase.payment_method,
  };

const joined = (entry: z.infer<typeof WaitlistEntry>): HandlerResult => ({
  status: 201,
  headers: { Location: `/api/waitlist/position/${entry.id}` },
  body: entry,
});

export function waitlistRoutes(deps: RouterDeps): void {
  const tags = ['Waitlist'];
  const signalOffer = (tenantId: string, entryId: number, outcome: 'purchased' | 'cancelled') => async () => {
    // The database already decided; the signal only stops the timer early, so a finished workflow is fine.
    await deps.temporal.workflow
      .getHandle(waitlistOfferWorkflowId(tenantId, entryId))
      .signal(closeOfferSignal, { outcome })
      .catch((err: unknown) => deps.logger.warn({ err, entryId }, 'could not signal the waitlist offer'));
  };

  defineRoute(deps, {
    method: 'post',
    path: '/api/waitlist/join',
    summary: 'Join the waitlist of a sold-out event (or one whose waitlist is open)',
    tags,
    access: { scope: 'write', customer: true, module: MODULE },
    body: JoinWaitlist,
    idempotent: true,
    responses: { 201: { description: 'Joined, with the place in line', schema: WaitlistEntry } },
    handler: async ({ tx, auth, body }) => {
      const customerId = await resolveCustomer(tx, auth, body);
      const { entry: row, place } = await joinWaitlist(tx, auth.tenantId, {
        eventId: body.event_id,
        ticketTypeId: body.ticket_type_id,
        customerId,
        quantity: body.quantity,
        autoPurchase: autoPurchaseOf(body),
      });
      return joined(await toEntry(tx, row, place));
    },
    // A sell-out's joins arrive together: decided in batches, they share a transaction and statements.
    batch: {
      maxBatch: 64,
      maxInFlight: 1,
      prepare: ({ auth, body }): BatchJoin => ({
        eventId: body.event_id,
        ticketTypeId: body.ticket_type_id,
        quantity: body.quantity,
        autoPurchase: autoPurchaseOf(body),
        customer: customerRef(auth, body),
      }),
      run: async (tx, tenantId, joins) =>
        mapInOrder(await joinWaitlistBatch(tx, tenantId, joins), async (o) =>
          o === undefined ? RUN_ALONE : o instanceof AppError ? o : joined(await toEntry(tx, o.entry, o.place)),
        ),
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/waitlist/position/{id}',
    summary: 'An entry with its exact place in line',
    tags,
    access: { scope: 'read', customer: true, module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'Entry', schema: WaitlistEntry } },
    handler: async ({ tx, auth, params }) => ({ body: await toEntry(tx, await loadOwnEntry(tx, auth, params.id)) }),
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/waitlist/{id}',
    summary: 'Leave the waitlist; an open offer is withdrawn and goes to the next in line',
    tags,
    access: { scope: 'write', customer: true, module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'Left', schema: WaitlistEntry } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const entry = await loadOwnEntry(tx, auth, params.id, true);
      if (entry.status === 'waiting') await cancelWaitingEntry(tx, entry);
      else if (entry.status === 'notified') {
        await closeOffer(tx, auth.tenantId, entry, 'cancelled');
        afterCommit(signalOffer(auth.tenantId, entry.id, 'cancelled'));
      } else if (entry.status !== 'cancelled') throw conflict('entry_closed', `The entry is ${entry.status}`);
      return { body: await toEntry(tx, (await getEntry(tx, entry.id)) as WaitlistEntryRow) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/waitlist/{id}/purchase',
    summary: 'Buy the tickets held for an offered entry, inside its purchase window',
    tags,
    access: { scope: 'write', customer: true, module: MODULE },
    params: IdParams,
    body: PurchaseOffer,
    idempotent: true,
    responses: { 201: { description: 'Order placed from the hold', schema: Order } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      const entry = await loadOwnEntry(tx, auth, params.id, true);
      if (entry.status !== 'notified') throw conflict('offer_not_active', `The entry is ${entry.status}`);
      if (entry.expires_at && entry.expires_at <= new Date())
        throw conflict('offer_expired', 'The purchase window has closed');
      const { order } = await placeOrder(tx, auth.tenantId, {
        eventId: entry.event_id,
        customerId: entry.customer_id,
        provider: deps.payments.name,
        reserved: true,
        lines: [{ ticketTypeId: entry.ticket_type_id, quantity: entry.held_quantity }],
      });
      await markEntryPurchased(tx, auth.tenantId, entry, order.id);
      let note: string | undefined;
      afterCommit(signalOffer(auth.tenantId, entry.id, 'purchased'));
      afterCommit(async () => {
        const payment = await startPaymentAndFulfilment(deps, auth.tenantId, order, {
          payment: { payment_method: body.payment_method },
        });
        note = payment?.note;
        if (payment?.status === 'succeeded') await waitForFulfilment(deps.temporal, auth.tenantId, order.id);
      });
      return {
        status: 201,
        headers: { Location: `/api/orders/${order.id}` },
        body: () =>
          withTenant(deps.db, auth.tenantId, async (t) =>
            loadOrderView(t, (await getOrder(t, order.id)) as OrderRow, note),
          ),
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/waitlist/events/{id}/entries',
    summary: "An event's waitlist in queue order (admin)",
    tags,
    access: { scope: 'read', module: MODULE },
    params: IdParams,
    query: EntryQuery,
    responses: { 200: { description: 'Entries', schema: page(WaitlistEntry) } },
    handler: async ({ tx, params, query }) => {
      await loadEvent(tx, params.id);
      const rows = await listEntries(tx, { eventId: params.id, ...query });
      return { body: { ...toPage(rows, query.limit), items: await mapInOrder(rows, (r) => toEntry(tx, r)) } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/waitlist/events/{id}',
    summary: "An event's waitlist settings, including the lottery seed",
    tags,
    access: { scope: 'read', module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'Waitlist', schema: EventWaitlist } },
    handler: async ({ tx, auth, params }) => {
      await loadEvent(tx, params.id);
      return {
        body: toEventWaitlist(
          (await getEventWaitlist(tx, params.id)) ?? (await configureEventWaitlist(tx, auth.tenantId, params.id, {})),
        ),
      };
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/waitlist/events/{id}',
    summary: "Open or close an event's waitlist and choose its order",
    tags,
    access: { scope: 'admin', module: MODULE },
    params: IdParams,
    body: EventWaitlistSettings,
    responses: { 200: { description: 'Waitlist', schema: EventWaitlist } },
    handler: async ({ tx, auth, params, body }) => {
      await loadEvent(tx, params.id);
      return { body: toEventWaitlist(await configureEventWaitlist(tx, auth.tenantId, params.id, body)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/waitlist/notify-next',
    summary: 'Offer whatever is free to the next entries in line now',
    tags,
    access: { scope: 'write', module: MODULE },
    body: NotifyNext,
    responses: { 200: { description: 'The offers made', schema: Offers } },
    handler: async ({ tx, auth, body }) => {
      await loadEvent(tx, body.event_id);
      return {
        body: toOffers(
          await offerAvailable(tx, auth.tenantId, {
            eventId: body.event_id,
            ticketTypeId: body.ticket_type_id,
            maxEntries: body.max_entries,
          }),
        ),
      };
    },
  });
}
