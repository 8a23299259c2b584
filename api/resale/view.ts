import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getListing, suggestedPriceFor, type ListingRow } from '../../db/resale/listings';
import type { SellerRow } from '../../db/resale/sellers';
import { getTransaction, type ResaleTransactionRow } from '../../db/resale/transactions';
import { getTicket, type TicketRow } from '../../db/tickets/tickets';
import { loadWaitlistSettings } from '../../db/waitlist/settings';
import { quoteResale } from '../../domain/waitlist/resale';
import type { WaitlistSettings } from '../../domain/waitlist/settings';
import { isoOrNull } from '../schemas/common';
import { toTicket } from '../tickets/view';
import type { Listing, Purchase, ResaleTransaction, Seller } from './schemas';

export async function toListing(tx: Tx, row: ListingRow, settings: WaitlistSettings): Promise<z.infer<typeof Listing>> {
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

/** A customer's seller profile; one never set up is an unverified seller without a payout account. */
export const toSeller = (customerId: number, row: SellerRow | undefined): z.infer<typeof Seller> => ({
  customer_id: customerId,
  verified: row?.verified ?? false,
  verified_at: isoOrNull(row?.verified_at),
  payout_account: row?.payout_account ?? null,
});

/** A completed purchase as the buyer sees it: the sold listing, the sale and their new ticket. */
export async function toPurchase(tx: Tx, listingId: number, transactionId: number): Promise<z.infer<typeof Purchase>> {
  const listing = (await getListing(tx, listingId)) as ListingRow;
  const transaction = (await getTransaction(tx, transactionId)) as ResaleTransactionRow;
  const ticket = (await getTicket(tx, listing.new_ticket_id as number)) as TicketRow;
  return {
    listing: await toListing(tx, listing, await loadWaitlistSettings(tx)),
    transaction: toTransaction(transaction),
    ticket: toTicket(ticket),
  };
}
