import type { WaitlistSettings } from './settings';

/** The highest asking price the cap allows, in minor units (rounded down: never above the cap). */
export function maxAllowedPrice(originalMinor: number, capPercent: number): number {
  return Math.floor((originalMinor * capPercent) / 100);
}

export interface ResaleQuote {
  askingMinor: number;
  buyerFeeMinor: number;
  buyerTotalMinor: number;
  sellerFeeMinor: number;
  sellerPayoutMinor: number;
}

/** What each side pays and gets for a sale at `askingMinor`. */
export function quoteResale(
  askingMinor: number,
  settings: Pick<WaitlistSettings, 'buyerFeePercent' | 'sellerFeePercent'>,
): ResaleQuote {
  const buyerFeeMinor = Math.round((askingMinor * settings.buyerFeePercent) / 100);
  const sellerFeeMinor = Math.round((askingMinor * settings.sellerFeePercent) / 100);
  return {
    askingMinor,
    buyerFeeMinor,
    buyerTotalMinor: askingMinor + buyerFeeMinor,
    sellerFeeMinor,
    sellerPayoutMinor: askingMinor - sellerFeeMinor,
  };
}

/**
 * A listing held for one buyer while their payment is taken: one purchase attempt. The buyer is
 * charged `quote.buyerTotalMinor` and the sale is recorded at this quote, whatever changes meanwhile.
 */
export interface ResaleClaim {
  /** Names the attempt: its charge and any refund are keyed by it, so no retry charges or refunds twice. */
  id: string;
  listingId: number;
  eventId: number;
  buyerId: number;
  currency: string;
  quote: ResaleQuote;
}

export interface ListingCandidate {
  ticketStatus: string;
  /** Scanned in at a gate: the holder is inside, so the ticket has been used. */
  ticketAdmitted: boolean;
  ticketIssuedAt: Date;
  eventStatus: string;
  originalMinor: number;
  askingMinor: number;
  sellerVerified: boolean;
  sellerActiveListings: number;
  now: Date;
}

export type ListingVerdict =
  | { ok: true; maxAllowedMinor: number }
  | { ok: false; status: 409 | 422; code: string; message: string; maxAllowedMinor?: number };

/** The proposal's anti-scalping rules, in the order a seller would want to hear about them. */
export function checkListing(c: ListingCandidate, s: WaitlistSettings): ListingVerdict {
  if (c.ticketStatus !== 'valid')
    return {
      ok: false,
      status: 422,
      code: 'ticket_not_resellable',
      message: 'Only valid tickets that have not been scanned in can be resold',
    };
  if (c.ticketAdmitted)
    return {
      ok: false,
      status: 422,
      code: 'ticket_admitted',
      message: 'A ticket that has been scanned in at a gate cannot be resold',
    };
  if (c.eventStatus === 'ended' || c.eventStatus === 'cancelled')
    return { ok: false, status: 422, code: 'event_not_resellable', message: `The event is ${c.eventStatus}` };
  if (s.requireVerifiedSeller && !c.sellerVerified)
    return { ok: false, status: 422, code: 'seller_not_verified', message: 'Only verified sellers may list tickets' };
  const earliest = c.ticketIssuedAt.getTime() + s.minListingAgeS * 1000;
  if (c.now.getTime() < earliest) {
    return {
      ok: false,
      status: 422,
      code: 'listing_too_early',
      message: `Tickets can be listed ${Math.round(s.minListingAgeS / 3600)} h after purchase, from ${new Date(earliest).toISOString()}`,
    };
  }
  if (c.sellerActiveListings >= s.maxActiveListingsPerSeller) {
    return {
      ok: false,
      status: 422,
      code: 'listing_limit_reached',
      message: `A seller may have at most ${s.maxActiveListingsPerSeller} active listings`,
    };
  }
  return checkPrice(c.askingMinor, c.originalMinor, s);
}

export function checkPrice(
  askingMinor: number,
  originalMinor: number,
  s: Pick<WaitlistSettings, 'priceCapPercent'>,
): ListingVerdict {
  const maxAllowedMinor = maxAllowedPrice(originalMinor, s.priceCapPercent);
  if (askingMinor > maxAllowedMinor) {
    return {
      ok: false,
      status: 422,
      code: 'price_above_cap',
      message: `The price may be at most ${s.priceCapPercent}% of the original (${maxAllowedMinor})`,
      maxAllowedMinor,
    };
  }
  return { ok: true, maxAllowedMinor };
}

/**
 * A fair price to suggest: the median of what others ask for the same ticket type, kept between
 * the original price and the cap; the original price when nobody else is selling.
 */
export function suggestFairPrice(originalMinor: number, maxAllowedMinor: number, otherAsksMinor: number[]): number {
  if (!otherAsksMinor.length) return Math.min(originalMinor, maxAllowedMinor);
  const sorted = [...otherAsksMinor].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  return Math.min(maxAllowedMinor, Math.max(Math.min(originalMinor, maxAllowedMinor), median));
}
