import { randomBytes } from 'node:crypto';
import type { Tx } from '../connection';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import { meterAmount } from '../../domain/platform/plans';
import { quoteResale, type ResaleClaim } from '../../domain/waitlist/resale';
import { presenceOf } from '../checkin/lookup';
import { fulfilOrder } from '../orders/fulfilment';
import type { OrderRow, PaymentProviderName } from '../orders/orders';
import { placeOrder } from '../orders/placement';
import { appendAudit, type AuditActor } from '../platform/audit';
import { emit } from '../platform/outbox';
import { recordUsage } from '../platform/usage';
import { getTicket, updateTicket, type TicketRow } from '../tickets/tickets';
import { loadWaitlistSettings } from '../waitlist/settings';
import { getListing, type ListingRow } from './listings';
import { getTransactionOfListing, insertTransaction, type ResaleTransactionRow } from './transactions';

/**
 * How long a claim holds a listing: far longer than a purchase takes, short enough that a purchase
 * cut off by a crash before it could give the listing back blocks it only briefly.
 */
const CLAIM_TTL_S = 300;

const notAvailable = (message: string) => conflict('listing_not_available', message);

/** The listed ticket as a sale needs it: still valid and never admitted at a gate. */
async function sellableTicket(tx: Tx, ticketId: number, opts: { lock: boolean }): Promise<TicketRow> {
  const ticket = await getTicket(tx, ticketId, opts);
  if (!ticket || ticket.status !== 'valid') throw notAvailable('The listed ticket is no longer valid');
  if (await presenceOf(tx, ticket.id))
    throw unprocessable('ticket_admitted', 'The listed ticket has been scanned in at a gate since it was listed');
  return ticket;
}

/**
 * The first step of a purchase: holds an active listing for one buyer while their payment is taken.
 * The listing row is locked, so of two racing buyers one claims it and the other gets a clean 409;
 * the claim commits with this short transaction, so nothing stays locked while the provider is
 * called. The quote is fixed here: the buyer is charged it and the sale records it.
 */
export async function claimListing(tx: Tx, input: { listingId: number; buyerId: number }): Promise<ResaleClaim> {
  const listing = await getListing(tx, input.listingId, { lock: true });
  if (!listing) throw notFound('Listing');
  if (listing.status !== 'active') throw notAvailable(`The listing is ${listing.status}`);
  if (listing.seller_customer_id === input.buyerId)
    throw unprocessable('own_listing', 'Sellers cannot buy their own listing');
  await sellableTicket(tx, listing.ticket_id, { lock: false });
  const id = randomBytes(12).toString('base64url');
  const claimed = await tx('resale_listings')
    .where({ id: listing.id })
    .where((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<=', tx.fn.now()))
    .update({ purchase_claim: id, claimed_until: tx.raw('now() + make_interval(secs => ?)', [CLAIM_TTL_S]) })
    .returning('id');
  if (!claimed.length) throw notAvailable('Another buyer is paying for this listing');
  return {
    id,
    listingId: listing.id,
    eventId: listing.event_id,
    buyerId: input.buyerId,
    currency: listing.currency.trim(),
    quote: quoteResale(listing.asking_price_minor, await loadWaitlistSettings(tx)),
  };
}

/** Whether the claim still holds its listing: a purchase whose claim lapsed is not charged. */
export async function claimHeld(tx: Tx, claim: Pick<ResaleClaim, 'id' | 'listingId'>): Promise<boolean> {
  return Boolean(
    await tx('resale_listings').where({ id: claim.listingId, status: 'active', purchase_claim: claim.id }).first('id'),
  );
}

/** Gives a claimed listing back (a purchase's compensation); true when it was still held by the claim. */
export async function releaseClaim(tx: Tx, claim: Pick<ResaleClaim, 'id' | 'listingId'>): Promise<boolean> {
  const released = await tx('resale_listings')
    .where({ id: claim.listingId, status: 'active', purchase_claim: claim.id })
    .update({ purchase_claim: null, claimed_until: null });
  return released > 0;
}

export interface ResalePurchase {
  listing: ListingRow;
  transaction: ResaleTransactionRow;
  order: OrderRow;
  ticket: TicketRow;
}

/**
 * The last step of a purchase, once the buyer's payment succeeded, in one transaction: a new ticket
 * with a new code is issued through the normal order path and the seller's ticket is voided (its
 * code stops scanning); the transaction records price, fee and payout, and `resale.sold` starts the
 * payout workflow. Refuses, so that the charge is refunded, when the claim lapsed, the listing was
 * withdrawn or repriced, or its ticket was cancelled or admitted while the payment was taken.
 * Completing an attempt again answers its sale (`made` is then absent): a retry never refunds a sale.
 */
export async function completePurchase(
  tx: Tx,
  tenantId: string,
  input: { claim: ResaleClaim; paymentReference: string; provider: PaymentProviderName; actor: AuditActor },
): Promise<{ transactionId: number; made?: ResalePurchase }> {
  const { claim } = input;
  const { quote } = claim;
  const listing = await getListing(tx, claim.listingId, { lock: true });
  if (listing?.status === 'sold' && listing.purchase_claim === claim.id) {
    const sale = await getTransactionOfListing(tx, listing.id);
    if (sale) return { transactionId: sale.id };
  }
  if (!listing || listing.status !== 'active' || listing.purchase_claim !== claim.id)
    throw notAvailable('The listing was withdrawn or claimed again while the payment was taken');
  if (listing.asking_price_minor !== quote.askingMinor)
    throw notAvailable('The listing was repriced while the payment was taken');
  // The ticket row is locked, and check-in share-locks a ticket while it admits it: no admission can slip in after this.
  const old = await sellableTicket(tx, listing.ticket_id, { lock: true });

  const { order } = await placeOrder(tx, tenantId, {
    eventId: listing.event_id,
    customerId: claim.buyerId,
    provider: input.provider,
    reserved: true,
    lines: [{ ticketTypeId: listing.ticket_type_id, quantity: 1, unitPriceMinor: quote.buyerTotalMinor }],
  });
  const [ticket] = await fulfilOrder(tx, tenantId, order.id, input.paymentReference);
  await updateTicket(tx, old.id, { status: 'voided', replaced_by_ticket_id: ticket.id });
  const [sold] = (await tx('resale_listings')
    .where({ id: listing.id })
    .update({
      status: 'sold',
      sold_at: tx.fn.now(),
      buyer_customer_id: claim.buyerId,
      platform_fee_minor: quote.buyerFeeMinor,
      seller_payout_minor: quote.sellerPayoutMinor,
      order_id: order.id,
      new_ticket_id: ticket.id,
      claimed_until: null,
      updated_at: tx.fn.now(),
    })
    .returning('*')) as ListingRow[];
  const transaction = await insertTransaction(tx, {
    tenant_id: tenantId,
    listing_id: listing.id,
    order_id: order.id,
    buyer_customer_id: claim.buyerId,
    seller_customer_id: listing.seller_customer_id,
    currency: listing.currency,
    sale_price_minor: listing.asking_price_minor,
    platform_fee_minor: quote.buyerFeeMinor,
    seller_payout_minor: quote.sellerPayoutMinor,
  });
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
  await appendAudit(tx, tenantId, {
    actor: input.actor,
    action: 'resale.sold',
    entityType: 'resale_listing',
    entityId: listing.id,
    before: { status: 'active', ticket_id: old.id },
    after: {
      status: 'sold',
      buyer_customer_id: claim.buyerId,
      transaction_id: transaction.id,
      new_ticket_id: ticket.id,
    },
  });
  return { transactionId: transaction.id, made: { listing: sold, transaction, order, ticket } };
}
