import type { Tx } from '../connection';
import { conflict } from '../../lib/errors';
import { quoteResale, type ResaleClaim } from '../../domain/waitlist/resale';
import { queueEmail } from '../platform/mail';
import { getEntry, markEntryPurchased, type WaitlistEntryRow } from '../waitlist/entries';
import { loadWaitlistSettings } from '../waitlist/settings';
import { getListing, suggestedPriceFor, type ListingRow } from './listings';
import type { ResalePurchase } from './purchases';

/** Who waits for a listing's ticket type, its seller aside, in queue order. */
const waitingLine = (tx: Tx, listing: ListingRow) =>
  tx<WaitlistEntryRow>('waitlist_entries')
    .where({ event_id: listing.event_id, ticket_type_id: listing.ticket_type_id, status: 'waiting' })
    .whereNot({ customer_id: listing.seller_customer_id })
    .orderBy([{ column: 'priority' }, { column: 'id' }]);

/**
 * The waitlist hears of a new listing first (the proposal's `matchWaitlistToListings`): the first
 * waiting entry that opted in to buy one ticket automatically at no more than its price plus fee.
 * The entry row is locked; one that another match holds is skipped.
 */
export async function findAutoBuyer(tx: Tx, listingId: number): Promise<WaitlistEntryRow | undefined> {
  const listing = await getListing(tx, listingId);
  if (!listing || listing.status !== 'active') return undefined;
  const quote = quoteResale(listing.asking_price_minor, await loadWaitlistSettings(tx));
  return waitingLine(tx, listing)
    .where({ quantity: 1 })
    .whereNotNull('auto_purchase_payment_method')
    .where('auto_purchase_max_minor', '>=', quote.buyerTotalMinor)
    .first()
    .forUpdate()
    .skipLocked();
}

/** Tells the next entries in line about an active listing nobody bought automatically, with a fair-price suggestion. */
export async function notifyWaitlistOfListing(tx: Tx, tenantId: string, listingId: number): Promise<number[]> {
  const listing = await getListing(tx, listingId);
  if (!listing || listing.status !== 'active') return [];
  const settings = await loadWaitlistSettings(tx);
  const quote = quoteResale(listing.asking_price_minor, settings);
  const suggested = await suggestedPriceFor(tx, listing);
  const entries =
    settings.listingNotifyCount > 0 ? await waitingLine(tx, listing).limit(settings.listingNotifyCount) : [];
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
  return entries.map((e) => e.id);
}

/**
 * An automatic purchase closes its waitlist entry and tells its customer, in the sale's transaction.
 * An entry that left the line or bought elsewhere meanwhile refuses it, so that the charge is refunded.
 */
export async function recordAutoPurchase(
  tx: Tx,
  tenantId: string,
  entryId: number,
  claim: ResaleClaim,
  purchase: ResalePurchase,
): Promise<void> {
  const entry = await getEntry(tx, entryId, { lock: true });
  if (!entry || entry.status !== 'waiting')
    throw conflict('entry_closed', `Waitlist entry ${entryId} is no longer waiting`);
  await markEntryPurchased(tx, tenantId, entry, purchase.order.id);
  await queueEmail(tx, tenantId, {
    idempotencyKey: `resale-auto-purchase-${claim.listingId}`,
    to: entry.email,
    subject: 'We bought your ticket from the waitlist',
    text: `A resale ticket matched your waitlist entry ${entry.id}; it was bought for ${claim.quote.buyerTotalMinor} (minor units, fee included) as you asked. Your new ticket code: ${purchase.ticket.code}.`,
  });
}
