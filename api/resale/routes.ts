import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getCustomer } from '../../db/customers';
import {
  cancelListing,
  createListing,
  getListing,
  getSeller,
  listListings,
  purchaseListing,
  suggestedPriceFor,
  updateListingPrice,
  upsertSeller,
  type ListingRow,
  type ResaleTransactionRow,
} from '../../db/resale';
import { loadWaitlistSettings } from '../../db/waitlist';
import { quoteResale } from '../../domain/waitlist/resale';
import type { WaitlistSettings } from '../../domain/waitlist/settings';
import { notFound, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, type Auth } from '../route';
import { IdParams, isoOrNull, mapInOrder, page, toPage } from '../schemas/common';
import { toTicket } from '../tickets/routes';
import {
  CreateListing,
  Listing,
  ListingQuery,
  MineQuery,
  Purchase,
  PurchaseListing,
  type ResaleTransaction,
  Seller,
  UpdatePrice,
  UpdateSeller,
} from './schemas';

const MODULE = 'waitlist' as const;

async function toListing(tx: Tx, row: ListingRow, settings: WaitlistSettings): Promise<z.infer<typeof Listing>> {
  const quote = quoteResale(row.asking_price_minor, settings);
  return {
    id: row.id,
    event_id: row.event_id,
    ticket_type_id: row.ticket_type_id,
    ticket_id: row.ticket_id,
    seller_customer_id: row.seller_customer_id,
    status: row.status,
    currency: row.currency.trim(),
    original_price_minor: row.original_price_minor,
    asking_price_minor: row.asking_price_minor,
    max_allowed_price_minor: row.max_allowed_price_minor,
    // A sold listing shows what was actually charged, not today's settings.
    buyer_fee_minor: row.platform_fee_minor ?? quote.buyerFeeMinor,
    buyer_total_minor: row.asking_price_minor + (row.platform_fee_minor ?? quote.buyerFeeMinor),
    seller_payout_minor: row.seller_payout_minor ?? quote.sellerPayoutMinor,
    suggested_price_minor: await suggestedPriceFor(tx, row),
    listed_at: row.listed_at.toISOString(),
    sold_at: isoOrNull(row.sold_at),
    buyer_customer_id: row.buyer_customer_id,
  };
}

const toTransaction = (t: ResaleTransactionRow): z.infer<typeof ResaleTransaction> => ({
  id: t.id,
  listing_id: t.listing_id,
  order_id: t.order_id,
  buyer_customer_id: t.buyer_customer_id,
  seller_customer_id: t.seller_customer_id,
  currency: t.currency.trim(),
  sale_price_minor: t.sale_price_minor,
  platform_fee_minor: t.platform_fee_minor,
  seller_payout_minor: t.seller_payout_minor,
  payout_status: t.payout_status,
  payout_reference: t.payout_reference,
  created_at: t.created_at.toISOString(),
});

/** A customer token acts for itself; a tenant key names the customer. */
function actingCustomer(auth: Auth, customerId: number | undefined): number {
  if (auth.kind === 'customer') return auth.customerId;
  if (!customerId) throw unprocessable('customer_required', 'A tenant key must name the customer (customer_id)');
  return customerId;
}

async function loadSellersListing(tx: Tx, auth: Auth, id: number, lock = false): Promise<ListingRow> {
  const listing = await getListing(tx, id, { lock });
  if (!listing || (auth.kind === 'customer' && listing.seller_customer_id !== auth.customerId))
    throw notFound('Listing');
  return listing;
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
      const ticket = await tx('tickets').where({ id: body.ticket_id }).first('customer_id');
      if (!ticket || (auth.kind === 'customer' && ticket.customer_id !== auth.customerId)) throw notFound('Ticket');
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
    handler: async ({ tx, auth, params, body }) => {
      if (!(await getListing(tx, params.id))) throw notFound('Listing');
      if (auth.kind === 'customer' && body.customer_id !== undefined)
        throw unprocessable('customer_fixed_by_token', 'A customer token buys for its own customer');
      const buyerId = actingCustomer(auth, body.customer_id);
      if (!(await getCustomer(tx, buyerId))) throw unprocessable('unknown_customer', 'The customer does not exist');
      const purchase = await purchaseListing(tx, auth.tenantId, {
        listingId: params.id,
        buyerId,
        payments: deps.payments,
        paymentMethod: body.payment_method,
      });
      return {
        status: 201,
        headers: { Location: `/api/resale/listings/${params.id}` },
        body: {
          listing: await toListing(tx, purchase.listing, await loadWaitlistSettings(tx)),
          transaction: toTransaction(purchase.transaction),
          ticket: toTicket(purchase.ticket),
        },
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
      const row = await upsertSeller(tx, auth.tenantId, params.id, body);
      return {
        body: {
          customer_id: row.customer_id,
          verified: row.verified,
          verified_at: isoOrNull(row.verified_at),
          payout_account: row.payout_account,
        },
      };
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
      const row = await getSeller(tx, params.id);
      return {
        body: {
          customer_id: params.id,
          verified: row?.verified ?? false,
          verified_at: isoOrNull(row?.verified_at),
          payout_account: row?.payout_account ?? null,
        },
      };
    },
  });
}
