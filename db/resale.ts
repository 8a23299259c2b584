import type { Tx } from './connection';
import type { PaymentProvider } from '../integrations/payments/provider';
import { AppError, conflict, notFound, unprocessable } from '../lib/errors';
import { checkListing, checkPrice, maxAllowedPrice, quoteResale, suggestFairPrice } from '../domain/waitlist/resale';
import { meterAmount } from '../domain/platform/plans';
import type { WaitlistSettings } from '../domain/waitlist/settings';
import { presenceOf } from './checkin/lookup';
import { getEvent } from './events';
import { emit } from './outbox';
import { fulfilOrder, placeOrder, type OrderRow } from './orders';
import { recordUsage } from './platform/usage';
import { getTicket, updateTicket, type TicketRow } from './tickets';
import { loadWaitlistSettings, markEntryPurchased, type WaitlistEntryRow } from './waitlist';
import { queueEmail } from './mail';

export const LISTING_STATUSES = ['active', 'sold', 'cancelled', 'expired'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

export interface ListingRow {
  id: number;
  tenant_id: string;
  event_id: number;
  ticket_type_id: number;
  ticket_id: number;
  seller_customer_id: number;
  currency: string;
  original_price_minor: number;
  asking_price_minor: number;
  max_allowed_price_minor: number;
  status: ListingStatus;
  listed_at: Date;
  sold_at: Date | null;
  buyer_customer_id: number | null;
  platform_fee_minor: number | null;
  seller_payout_minor: number | null;
  order_id: number | null;
  new_ticket_id: number | null;
  updated_at: Date;
}

export interface ResaleTransactionRow {
  id: number;
  tenant_id: string;
  listing_id: number;
  order_id: number;
  buyer_customer_id: number;
  seller_customer_id: number;
  currency: string;
  sale_price_minor: number;
  platform_fee_minor: number;
  seller_payout_minor: number;
  payout_status: 'pending' | 'processing' | 'completed';
  payout_reference: string | null;
  payout_note: string | null;
  completed_at: Date | null;
  created_at: Date;
}

export interface SellerRow {
  customer_id: number;
  tenant_id: string;
  verified: boolean;
  verified_at: Date | null;
  payout_account: string | null;
  updated_at: Date;
}

export async function getSeller(tx: Tx, customerId: number): Promise<SellerRow | undefined> {
  return tx<SellerRow>('resale_sellers').where({ customer_id: customerId }).first();
}

export async function upsertSeller(
  tx: Tx,
  tenantId: string,
  customerId: number,
  patch: { verified?: boolean; payout_account?: string | null },
): Promise<SellerRow> {
  const row = {
    ...patch,
    ...(patch.verified !== undefined ? { verified_at: patch.verified ? tx.fn.now() : null } : {}),
  };
  const [saved] = await tx('resale_sellers')
    .insert({ tenant_id: tenantId, customer_id: customerId, ...row })
    .onConflict('customer_id')
    .merge({ ...row, updated_at: tx.fn.now() })
    .returning('*');
  return saved;
}

export async function getListing(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<ListingRow | undefined> {
  const q = tx<ListingRow>('resale_listings').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listListings(
  tx: Tx,
  filter: {
    status?: ListingStatus;
    eventId?: number;
    ticketTypeId?: number;
    sellerId?: number;
    buyerId?: number;
    after?: number;
    limit: number;
  },
): Promise<ListingRow[]> {
  const q = tx<ListingRow>('resale_listings').orderBy('id').limit(filter.limit);
  if (filter.status) q.where('status', filter.status);
  if (filter.eventId) q.where('event_id', filter.eventId);
  if (filter.ticketTypeId) q.where('ticket_type_id', filter.ticketTypeId);
  if (filter.sellerId) q.where('seller_customer_id', filter.sellerId);
  if (filter.buyerId) q.where('buyer_customer_id', filter.buyerId);
  if (filter.after) q.where('id', '>', filter.after);
  return q;
}

/** What others ask for the same ticket type, for the fair-price suggestion. */
export async function suggestedPriceFor(
  tx: Tx,
  listing: Pick<ListingRow, 'id' | 'ticket_type_id' | 'original_price_minor' | 'max_allowed_price_minor'>,
): Promise<number> {
  const others = (await tx('resale_listings')
    .where({ ticket_type_id: listing.ticket_type_id, status: 'active' })
    .whereNot({ id: listing.id })
    .limit(200)
    .pluck('asking_price_minor')) as number[];
  return suggestFairPrice(listing.original_price_minor, listing.max_allowed_price_minor, others);
}

async function originalPrice(tx: Tx, ticket: TicketRow): Promise<{ priceMinor: number; currency: string }> {
  const item = await tx('order_items')
    .where({ order_id: ticket.order_id, ticket_type_id: ticket.ticket_type_id })
    .first('unit_price_minor');
  const order = await tx<OrderRow>('orders').where({ id: ticket.order_id }).first('currency');
  return { priceMinor: item?.unit_price_minor ?? 0, currency: (order?.currency ?? 'EUR').trim() };
}

function assertVerdict(verdict: ReturnType<typeof checkListing>): void {
  if (!verdict.ok)
    throw new AppError(
      verdict.status,
      verdict.code,
      verdict.message,
      verdict.maxAllowedMinor !== undefined ? { max_allowed_price_minor: verdict.maxAllowedMinor } : undefined,
    );
}

/** Lists a ticket under the tenant's anti-scalping rules; the `resale.listed` event offers it to the waitlist first. */
export async function createListing(
  tx: Tx,
  tenantId: string,
  input: { ticketId: number; sellerId: number; askingMinor: number; requirePayoutAccount: boolean; now?: Date },
): Promise<ListingRow> {
  const ticket = await getTicket(tx, input.ticketId, { lock: true });
  if (!ticket || ticket.customer_id !== input.sellerId) throw notFound('Ticket');
  const settings = await loadWaitlistSettings(tx);
  // One connection: these run one after another.
  const event = await getEvent(tx, ticket.event_id);
  const seller = await getSeller(tx, input.sellerId);
  const original = await originalPrice(tx, ticket);
  const active = await tx('resale_listings')
    .where({ seller_customer_id: input.sellerId, status: 'active' })
    .count<{ count: string }[]>({ count: '*' });
  if (await tx('resale_listings').where({ ticket_id: ticket.id, status: 'active' }).first('id'))
    throw conflict('already_listed', 'This ticket is already listed');
  assertVerdict(
    checkListing(
      {
        ticketStatus: ticket.status,
        ticketAdmitted: Boolean(await presenceOf(tx, ticket.id)),
        ticketIssuedAt: ticket.created_at,
        eventStatus: event?.status ?? 'cancelled',
        originalMinor: original.priceMinor,
        askingMinor: input.askingMinor,
        sellerVerified: seller?.verified ?? false,
        sellerActiveListings: Number(active[0].count),
        now: input.now ?? new Date(),
      },
      settings,
    ),
  );
  if (input.requirePayoutAccount && !seller?.payout_account)
    throw unprocessable('payout_account_missing', 'The seller needs a connected payout account to be paid');
  const [row] = (await tx('resale_listings')
    .insert({
      tenant_id: tenantId,
      event_id: ticket.event_id,
      ticket_type_id: ticket.ticket_type_id,
      ticket_id: ticket.id,
      seller_customer_id: input.sellerId,
      currency: original.currency,
      original_price_minor: original.priceMinor,
      asking_price_minor: input.askingMinor,
      max_allowed_price_minor: maxAllowedPrice(original.priceMinor, settings.priceCapPercent),
    })
    .returning('*')) as ListingRow[];
  await emit(tx, tenantId, {
    type: 'resale.listed',
    aggregateType: 'resale_listing',
    aggregateId: row.id,
    payload: {
      listing_id: row.id,
      event_id: row.event_id,
      ticket_type_id: row.ticket_type_id,
      asking_price_minor: row.asking_price_minor,
    },
  });
  return row;
}

export async function updateListingPrice(
  tx: Tx,
  listing: ListingRow,
  askingMinor: number,
  settings: WaitlistSettings,
): Promise<ListingRow> {
  if (listing.status !== 'active') throw conflict('listing_not_active', `The listing is ${listing.status}`);
  assertVerdict(checkPrice(askingMinor, listing.original_price_minor, settings));
  const [row] = await tx('resale_listings')
    .where({ id: listing.id })
    .update({ asking_price_minor: askingMinor, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export async function cancelListing(tx: Tx, tenantId: string, listing: ListingRow): Promise<ListingRow> {
  if (listing.status === 'cancelled') return listing;
  if (listing.status !== 'active') throw conflict('listing_not_active', `The listing is ${listing.status}`);
  const [row] = await tx('resale_listings')
    .where({ id: listing.id })
    .update({ status: 'cancelled', updated_at: tx.fn.now() })
    .returning('*');
  await emit(tx, tenantId, {
    type: 'resale.cancelled',
    aggregateType: 'resale_listing',
    aggregateId: listing.id,
    payload: { listing_id: listing.id, event_id: listing.event_id },
  });
  return row;
}

/** A listed ticket that was cancelled or refunded can no longer be sold: its listing is withdrawn. */
export async function withdrawListingsOfInvalidTickets(tx: Tx, tenantId: string, eventId: number): Promise<number[]> {
  const withdrawn = (await tx('resale_listings')
    .where({ event_id: eventId, status: 'active' })
    .whereIn('ticket_id', tx('tickets').select('id').where({ event_id: eventId }).whereNot({ status: 'valid' }))
    .update({ status: 'cancelled', updated_at: tx.fn.now() })
    .returning('id')) as { id: number }[];
  await emit(
    tx,
    tenantId,
    withdrawn.map(({ id }) => ({
      type: 'resale.cancelled',
      aggregateType: 'resale_listing',
      aggregateId: id,
      payload: { listing_id: id, event_id: eventId, reason: 'ticket no longer valid' },
    })),
  );
  return withdrawn.map((w) => w.id);
}

export interface ResalePurchase {
  listing: ListingRow;
  transaction: ResaleTransactionRow;
  order: OrderRow;
  ticket: TicketRow;
}

/**
 * Buys a listing in one transaction: the listing row is locked first, so of two racing buyers one
 * gets it and the other a clean 409. The buyer pays price plus fee; a new ticket with a new code is
 * issued through the normal order path and the seller's ticket is voided (its code stops scanning);
 * the transaction records price, fee and payout, and `resale.sold` starts the payout workflow.
 */
export async function purchaseListing(
  tx: Tx,
  tenantId: string,
  input: { listingId: number; buyerId: number; payments: PaymentProvider; paymentMethod?: string },
): Promise<ResalePurchase> {
  const listing = await getListing(tx, input.listingId, { lock: true });
  if (!listing) throw notFound('Listing');
  if (listing.status !== 'active') throw conflict('listing_not_available', `The listing is ${listing.status}`);
  if (listing.seller_customer_id === input.buyerId)
    throw unprocessable('own_listing', 'Sellers cannot buy their own listing');
  const old = await getTicket(tx, listing.ticket_id, { lock: true });
  if (!old || old.status !== 'valid') throw conflict('listing_not_available', 'The listed ticket is no longer valid');
  // The ticket row is locked, and check-in share-locks a ticket while it admits it: no admission can slip in after this.
  if (await presenceOf(tx, old.id))
    throw unprocessable('ticket_admitted', 'The listed ticket has been scanned in at a gate since it was listed');
  const settings = await loadWaitlistSettings(tx);
  const quote = quoteResale(listing.asking_price_minor, settings);

  const payment = await input.payments.createPayment({
    amountMinor: quote.buyerTotalMinor,
    currency: listing.currency.trim(),
    idempotencyKey: `resale-${tenantId}-${listing.id}-${input.buyerId}`,
    description: `Resale listing ${listing.id}`,
    metadata: { tenant_id: tenantId, listing_id: String(listing.id) },
    paymentMethod: input.paymentMethod,
  });
  if (payment.status !== 'succeeded')
    throw new AppError(402, 'payment_failed', `The payment is ${payment.status}; pay with a saved payment method`);

  const { order } = await placeOrder(tx, tenantId, {
    eventId: listing.event_id,
    customerId: input.buyerId,
    provider: input.payments.name,
    reserved: true,
    lines: [{ ticketTypeId: listing.ticket_type_id, quantity: 1, unitPriceMinor: quote.buyerTotalMinor }],
  });
  const [ticket] = await fulfilOrder(tx, tenantId, order.id, payment.reference);
  await updateTicket(tx, old.id, { status: 'voided', replaced_by_ticket_id: ticket.id });
  const [sold] = (await tx('resale_listings')
    .where({ id: listing.id })
    .update({
      status: 'sold',
      sold_at: tx.fn.now(),
      buyer_customer_id: input.buyerId,
      platform_fee_minor: quote.buyerFeeMinor,
      seller_payout_minor: quote.sellerPayoutMinor,
      order_id: order.id,
      new_ticket_id: ticket.id,
      updated_at: tx.fn.now(),
    })
    .returning('*')) as ListingRow[];
  const [transaction] = (await tx('resale_transactions')
    .insert({
      tenant_id: tenantId,
      listing_id: listing.id,
      order_id: order.id,
      buyer_customer_id: input.buyerId,
      seller_customer_id: listing.seller_customer_id,
      currency: listing.currency,
      sale_price_minor: listing.asking_price_minor,
      platform_fee_minor: quote.buyerFeeMinor,
      seller_payout_minor: quote.sellerPayoutMinor,
    })
    .returning('*')) as ResaleTransactionRow[];
  await recordUsage(tx, tenantId, {
    meter: 'resale.fee',
    quantity: 1,
    amountMinor: meterAmount('resale.fee', 1, listing.asking_price_minor),
    idempotencyKey: `resale-fee-${listing.id}`,
    metadata: { listing_id: listing.id, transaction_id: transaction.id },
  });
  await emit(tx, tenantId, [
    {
      type: 'ticket.voided',
      aggregateType: 'ticket',
      aggregateId: old.id,
      payload: {
        ticket_id: old.id,
        event_id: old.event_id,
        ticket_type_id: old.ticket_type_id,
        old_ticket_id: old.id,
        new_ticket_id: ticket.id,
        reason: 'resold',
      },
    },
    {
      type: 'resale.sold',
      aggregateType: 'resale_listing',
      aggregateId: listing.id,
      payload: {
        listing_id: listing.id,
        event_id: listing.event_id,
        transaction_id: transaction.id,
        order_id: order.id,
      },
    },
  ]);
  return { listing: sold, transaction, order, ticket };
}

export async function getTransaction(
  tx: Tx,
  id: number,
  opts: { lock?: boolean } = {},
): Promise<ResaleTransactionRow | undefined> {
  const q = tx<ResaleTransactionRow>('resale_transactions').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export type MatchOutcome = { autoPurchasedBy: number; transactionId: number } | { notifiedEntryIds: number[] };

/**
 * Offers a new listing to its event's waitlist first (the proposal's `matchWaitlistToListings`):
 * the first waiting entry that opted in to automatic purchase at this price buys it with its saved
 * payment method; otherwise the next entries in line hear about it with a fair-price suggestion.
 */
export async function matchWaitlistToListing(
  tx: Tx,
  tenantId: string,
  listingId: number,
  payments: PaymentProvider,
): Promise<MatchOutcome> {
  const listing = await getListing(tx, listingId);
  if (!listing || listing.status !== 'active') return { notifiedEntryIds: [] };
  const settings = await loadWaitlistSettings(tx);
  const quote = quoteResale(listing.asking_price_minor, settings);
  const queue = () =>
    tx<WaitlistEntryRow>('waitlist_entries')
      .where({ event_id: listing.event_id, ticket_type_id: listing.ticket_type_id, status: 'waiting' })
      .whereNot({ customer_id: listing.seller_customer_id })
      .orderBy([{ column: 'priority' }, { column: 'id' }]);

  const auto = await queue()
    .where({ quantity: 1 })
    .whereNotNull('auto_purchase_payment_method')
    .where('auto_purchase_max_minor', '>=', quote.buyerTotalMinor)
    .first()
    .forUpdate()
    .skipLocked();
  if (auto) {
    const bought = await tx
      .transaction(async (sp) => {
        const purchase = await purchaseListing(sp, tenantId, {
          listingId,
          buyerId: auto.customer_id,
          payments,
          paymentMethod: auto.auto_purchase_payment_method ?? undefined,
        });
        await markEntryPurchased(sp, tenantId, auto, purchase.order.id);
        await queueEmail(sp, tenantId, {
          idempotencyKey: `resale-auto-purchase-${listing.id}`,
          to: auto.email,
          subject: 'We bought your ticket from the waitlist',
          text: `A resale ticket matched your waitlist entry ${auto.id}; it was bought for ${quote.buyerTotalMinor} (minor units, fee included) as you asked. Your new ticket code: ${purchase.ticket.code}.`,
        });
        return purchase;
      })
      .catch((err: unknown) => {
        // A declined saved card must not keep the listing from everyone else.
        if (err instanceof AppError && err.status === 402) return undefined;
        throw err;
      });
    if (bought) return { autoPurchasedBy: auto.id, transactionId: bought.transaction.id };
  }

  const suggested = await suggestedPriceFor(tx, listing);
  const entries = settings.listingNotifyCount > 0 ? await queue().limit(settings.listingNotifyCount) : [];
  for (const entry of entries) {
    await queueEmail(tx, tenantId, {
      idempotencyKey: `resale-listing-${listing.id}-entry-${entry.id}`,
      to: entry.email,
      subject: 'A resale ticket you are waiting for is available',
      text:
        `A ticket is offered on the official resale marketplace (listing ${listing.id}) for ${listing.asking_price_minor} plus a ${quote.buyerFeeMinor} fee. ` +
        `A fair price for it is ${suggested}. First come, first served.`,
    });
  }
  return { notifiedEntryIds: entries.map((e) => e.id) };
}
