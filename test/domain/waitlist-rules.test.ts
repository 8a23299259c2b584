import { queuePriority } from '../../domain/waitlist/ordering';
import {
  checkListing,
  checkPrice,
  maxAllowedPrice,
  quoteResale,
  suggestFairPrice,
  type ListingCandidate,
} from '../../domain/waitlist/resale';
import { DEFAULT_WAITLIST_SETTINGS, parseWaitlistSettings } from '../../domain/waitlist/settings';

describe('waitlist settings', () => {
  it('defaults to the proposal: 24 h window, 120% cap, 3% buyer fee, 0% seller fee, 24 h before resale', () => {
    expect(parseWaitlistSettings(undefined)).toEqual(DEFAULT_WAITLIST_SETTINGS);
    expect(DEFAULT_WAITLIST_SETTINGS).toMatchObject({
      offerWindowS: 86_400,
      priceCapPercent: 120,
      buyerFeePercent: 3,
      sellerFeePercent: 0,
      minListingAgeS: 86_400,
    });
  });

  it('reads tenant values, clamps the cap to 100-150% and ignores malformed values', () => {
    expect(parseWaitlistSettings({ price_cap_percent: 200 }).priceCapPercent).toBe(150);
    expect(parseWaitlistSettings({ price_cap_percent: 90 }).priceCapPercent).toBe(100);
    expect(parseWaitlistSettings({ price_cap_percent: '130' }).priceCapPercent).toBe(120);
    expect(parseWaitlistSettings({ offer_window_s: 2, require_verified_seller: false })).toMatchObject({
      offerWindowS: 2,
      requireVerifiedSeller: false,
    });
    expect(parseWaitlistSettings({ offer_window_s: 0 }).offerWindowS).toBe(1);
    expect(parseWaitlistSettings({ require_verified_seller: 'no' }).requireVerifiedSeller).toBe(true);
  });
});

describe('queue order', () => {
  it('first-come follows arrival', () => {
    expect([3, 1, 2].map((id) => queuePriority('first_come', 'seed', id))).toEqual([3, 1, 2]);
  });

  it('a random draw is reproducible from the seed, differs between seeds, and is not arrival order', () => {
    const ids = Array.from({ length: 50 }, (_, i) => i + 1);
    const order = (seed: string) =>
      [...ids].sort((a, b) => queuePriority('random', seed, a) - queuePriority('random', seed, b));
    expect(order('abc')).toEqual(order('abc'));
    expect(order('abc')).not.toEqual(order('abd'));
    expect(order('abc')).not.toEqual(ids);
    expect(ids.every((id) => Number.isSafeInteger(queuePriority('random', 'abc', id)))).toBe(true);
  });
});

describe('resale pricing', () => {
  it('caps at the configured percentage, rounding down', () => {
    expect(maxAllowedPrice(10_000, 120)).toBe(12_000);
    expect(maxAllowedPrice(999, 150)).toBe(1_498);
    expect(checkPrice(12_001, 10_000, { priceCapPercent: 120 })).toMatchObject({
      ok: false,
      code: 'price_above_cap',
      maxAllowedMinor: 12_000,
    });
    expect(checkPrice(12_000, 10_000, { priceCapPercent: 120 })).toEqual({ ok: true, maxAllowedMinor: 12_000 });
  });

  it('charges the buyer the fee on top and pays the seller the price less the seller fee', () => {
    expect(quoteResale(11_000, { buyerFeePercent: 3, sellerFeePercent: 0 })).toEqual({
      askingMinor: 11_000,
      buyerFeeMinor: 330,
      buyerTotalMinor: 11_330,
      sellerFeeMinor: 0,
      sellerPayoutMinor: 11_000,
    });
    expect(quoteResale(1_000, { buyerFeePercent: 3, sellerFeePercent: 5 })).toMatchObject({
      sellerFeeMinor: 50,
      sellerPayoutMinor: 950,
    });
  });

  it('suggests the median ask kept between the original price and the cap', () => {
    expect(suggestFairPrice(10_000, 12_000, [])).toBe(10_000);
    expect(suggestFairPrice(10_000, 12_000, [11_000, 10_500, 11_500])).toBe(11_000);
    expect(suggestFairPrice(10_000, 12_000, [15_000, 16_000])).toBe(12_000);
    expect(suggestFairPrice(10_000, 12_000, [5_000, 6_000])).toBe(10_000);
    expect(suggestFairPrice(10_000, 12_000, [10_000, 11_000])).toBe(10_500);
  });
});

describe('listing rules', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const ok: ListingCandidate = {
    ticketStatus: 'valid',
    ticketAdmitted: false,
    ticketIssuedAt: new Date(now.getTime() - 2 * 86_400_000),
    eventStatus: 'sold_out',
    originalMinor: 10_000,
    askingMinor: 11_000,
    sellerVerified: true,
    sellerActiveListings: 0,
    now,
  };
  const verdict = (patch: Partial<ListingCandidate>) => checkListing({ ...ok, ...patch }, DEFAULT_WAITLIST_SETTINGS);

  it('accepts a valid ticket from a verified seller, old enough, within the cap', () => {
    expect(verdict({})).toEqual({ ok: true, maxAllowedMinor: 12_000 });
  });

  it.each([
    [{ ticketStatus: 'voided' }, 'ticket_not_resellable'],
    [{ ticketStatus: 'cancelled' }, 'ticket_not_resellable'],
    [{ ticketAdmitted: true }, 'ticket_admitted'],
    [{ eventStatus: 'ended' }, 'event_not_resellable'],
    [{ sellerVerified: false }, 'seller_not_verified'],
    [{ ticketIssuedAt: new Date(now.getTime() - 3_600_000) }, 'listing_too_early'],
    [{ sellerActiveListings: 4 }, 'listing_limit_reached'],
    [{ askingMinor: 12_001 }, 'price_above_cap'],
  ] as [Partial<ListingCandidate>, string][])('refuses %j with %s', (patch, code) => {
    expect(verdict(patch)).toMatchObject({ ok: false, code });
  });

  it('lets a tenant allow unverified sellers', () => {
    expect(
      checkListing({ ...ok, sellerVerified: false }, { ...DEFAULT_WAITLIST_SETTINGS, requireVerifiedSeller: false }).ok,
    ).toBe(true);
  });
});
