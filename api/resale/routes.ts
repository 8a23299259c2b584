import { withTenant, type Tx } from '../../db/connection';
import { getCustomer } from '../../db/customers/customers';
import {
  cancelListing,
  createListing,
  getListing,
  listListings,
  updateListingPrice,
  type ListingRow,
} from '../../db/resale/listings';
import { claimListing } from '../../db/resale/purchases';
import { getSeller, upsertSeller } from '../../db/resale/sellers';
import { getTicket } from '../../db/tickets/tickets';
import { loadWaitlistSettings } from '../../db/waitlist/settings';
import { notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams, mapInOrder, page, toPage } from '../schemas/common';
import { payForClaim } from './purchase';
import {
  CreateListing,
  Listing,
  ListingQuery,
  MineQuery,
  Purchase,
  PurchaseListing,
  Seller,
  UpdatePrice,
  UpdateSeller,
} from './schemas';
import { toListing, toPurchase, toSeller } from './view';

const MODULE = 'waitlist' as const;

/** A customer token acts for itself; a tenant key names the customer. */
function actingCustomer(auth: Auth, customerId: number | undefined): number {
  if (auth.kind === 'customer') return auth.customerId;
  if (!customerId) throw unprocessable('customer_required', 'A tenant key must name the customer (customer_id)');
  return customerId;
}

async function loadSellersListing(tx: Tx, auth: Auth, id: number, lock = false): Promise<ListingRow> {
  return visibleTo(auth, await getListing(tx, id, { lock }), (l) => l.seller_customer_id, 'Listing');
}

export function resaleRoutes(deps: RouterDeps): void {
  const tags = ['Resale'];

  defineRoute(deps, {
    method: 'post',
    path: '/api/resale/list',
    summary: 'List a ticket for resale within the price cap; the waitlist hears first',
    tags,
    access: { scope: 'write', customer: true, module: MODULE },
    body: CreateListing,
    idempotent: true,
    responses: { 201: { description: 'Listed', schema: Listing } },
    handler: async ({ tx, auth, body }) => {
      const ticket = visibleTo(auth, await getTicket(tx, body.ticket_id), (t) => t.customer_id, 'Ticket');
      const row = await createListing(tx, auth.tenantId, {
        ticketId: body.ticket_id,
        sellerId: ticket.customer_id,
        askingMinor: body.asking_price_minor,
        requirePayoutAccount: deps.payments.name === 'stripe',
      });
      return {
        status: 201,
        headers: { Location: `/api/resale/listings/${row.id}` },
        body: await toListing(tx, row, await loadWaitlistSettings(tx)),
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/resale/listings',
    summary: 'Browse resale tickets',
    tags,
    access: { scope: 'read', customer: true, module: MODULE },
    query: ListingQuery,
    responses: { 200: { description: 'Listings', schema: page(Listing) } },
    handler: async ({ tx, query }) => {
      const rows = await listListings(tx, { ...query, eventId: query.event_id, ticketTypeId: query.ticket_type_id });
      const settings = await loadWaitlistSettings(tx);
      return {
        body: { ...toPage(rows, query.limit), items: await mapInOrder(rows, (r) => toListing(tx, r, settings)) },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/resale/listings/{id}',
    summary: 'A listing with its fees and a fair-price suggestion',
    tags,
    access: { scope: 'read', customer: true, module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'Listing', schema: Listing } },
    handler: async ({ tx, params }) => {
      const row = await getListing(tx, params.id);
      if (!row) throw notFound('Listing');
      return { body: await toListing(tx, row, await loadWaitlistSettings(tx)) };
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/resale/listings/{id}/price',
    summary: "Change an active listing's price (within the cap)",
    tags,
    access: { scope: 'write', customer: true, module: MODULE },
    params: IdParams,
    body: UpdatePrice,
    responses: { 200: { description: 'Listing', schema: Listing } },
    handler: async ({ tx, auth, params, body }) => {
      const settings = await loadWaitlistSettings(tx);
      const row = await updateListingPrice(
        tx,
        await loadSellersListing(tx, auth, params.id, true),
        body.asking_price_minor,
        settings,
      );
      return { body: await toListing(tx, row, settings) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/resale/listings/{id}',
    summary: 'Withdraw a listing',
    tags,
    access: { scope: 'write', customer: true, module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'Listing', schema: Listing } },
    handler: async ({ tx, auth, params }) => {
      const row = await cancelListing(tx, auth.tenantId, await loadSellersListing(tx, auth, params.id, true));
      return { body: await toListing(tx, row, await loadWaitlistSettings(tx)) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/resale/listings/{id}/purchase',
    summary: 'Buy a listing: pays price plus fee, voids the old ticket and issues a new one',
    tags,
    access: { scope: 'write', customer: true, module: MODULE },
    params: IdParams,
    body: PurchaseListing,
    idempotent: true,
    responses: { 201: { description: 'Bought', schema: Purchase } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      if (!(await getListing(tx, params.id))) throw notFound('Listing');
      if (auth.kind === 'customer' && body.customer_id !== undefined)
        throw unprocessable('customer_fixed_by_token', 'A customer token buys for its own customer');
      const buyerId = actingCustomer(auth, body.customer_id);
      if (!(await getCustomer(tx, buyerId))) throw unprocessable('unknown_customer', 'The customer does not exist');
      // Money moves as a saga: the claim commits with this short transaction, and the charge and the
      // sale follow outside it, so no row stays locked while the payment provider is called.
      const claim = await claimListing(tx, { listingId: params.id, buyerId });
      let transactionId: number | undefined;
      afterCommit(async () => {
        transactionId = await payForClaim(deps, auth.tenantId, claim, body.payment_method);
      });
      return {
        status: 201,
        headers: { Location: `/api/resale/listings/${params.id}` },
        body: () => withTenant(deps.db, auth.tenantId, (t) => toPurchase(t, params.id, transactionId as number)),
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/resale/my-listings',
    summary: "The seller's listings",
    tags,
    access: { scope: 'read', customer: true, module: MODULE },
    query: MineQuery,
    responses: { 200: { description: 'Listings', schema: page(Listing) } },
    handler: async ({ tx, auth, query }) => {
      const rows = await listListings(tx, {
        sellerId: actingCustomer(auth, query.customer_id),
        after: query.after,
        limit: query.limit,
      });
      const settings = await loadWaitlistSettings(tx);
      return {
        body: { ...toPage(rows, query.limit), items: await mapInOrder(rows, (r) => toListing(tx, r, settings)) },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/resale/my-purchases',
    summary: "The buyer's resale purchases",
    tags,
    access: { scope: 'read', customer: true, module: MODULE },
    query: MineQuery,
    responses: { 200: { description: 'Listings bought', schema: page(Listing) } },
    handler: async ({ tx, auth, query }) => {
      const rows = await listListings(tx, {
        buyerId: actingCustomer(auth, query.customer_id),
        after: query.after,
        limit: query.limit,
      });
      const settings = await loadWaitlistSettings(tx);
      return {
        body: { ...toPage(rows, query.limit), items: await mapInOrder(rows, (r) => toListing(tx, r, settings)) },
      };
    },
  });

  defineRoute(deps, {
    method: 'put',
    path: '/api/resale/sellers/{id}',
    summary: 'Verify a customer as a seller and set their payout account',
    tags,
    access: { scope: 'admin', module: MODULE },
    params: IdParams,
    body: UpdateSeller,
    responses: { 200: { description: 'Seller', schema: Seller } },
    handler: async ({ tx, auth, params, body }) => {
      if (!(await getCustomer(tx, params.id))) throw notFound('Customer');
      return { body: toSeller(params.id, await upsertSeller(tx, auth.tenantId, params.id, body)) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/resale/sellers/{id}',
    summary: 'A seller profile',
    tags,
    access: { scope: 'read', module: MODULE },
    params: IdParams,
    responses: { 200: { description: 'Seller', schema: Seller } },
    handler: async ({ tx, params }) => {
      if (!(await getCustomer(tx, params.id))) throw notFound('Customer');
      return { body: toSeller(params.id, await getSeller(tx, params.id)) };
    },
  });
}
