import { z } from 'zod';

/** The tenant's waitlist and resale rules (module settings of `waitlist`), with the proposal's defaults. */
export interface WaitlistSettings {
  /** How long an offered entry may buy its held tickets. */
  offerWindowS: number;
  /** Resale price ceiling as a percentage of the original price, 100-150. */
  priceCapPercent: number;
  buyerFeePercent: number;
  sellerFeePercent: number;
  /** No listing before a ticket is this old. */
  minListingAgeS: number;
  /** Fan-to-fan: a seller may have at most this many active listings. */
  maxActiveListingsPerSeller: number;
  requireVerifiedSeller: boolean;
  /** How long the seller's money is held after a sale before it is paid out. */
  payoutHoldS: number;
  /** How many waiting entries hear about a new resale listing that nobody auto-bought. */
  listingNotifyCount: number;
}

export const DEFAULT_WAITLIST_SETTINGS: WaitlistSettings = {
  offerWindowS: 24 * 3600,
  priceCapPercent: 120,
  buyerFeePercent: 3,
  sellerFeePercent: 0,
  minListingAgeS: 24 * 3600,
  maxActiveListingsPerSeller: 4,
  requireVerifiedSeller: true,
  payoutHoldS: 48 * 3600,
  listingNotifyCount: 3,
};

const KEYS: Record<keyof WaitlistSettings, { key: string; min: number; max: number }> = {
  offerWindowS: { key: 'offer_window_s', min: 1, max: 30 * 86400 },
  priceCapPercent: { key: 'price_cap_percent', min: 100, max: 150 },
  buyerFeePercent: { key: 'buyer_fee_percent', min: 0, max: 20 },
  sellerFeePercent: { key: 'seller_fee_percent', min: 0, max: 20 },
  minListingAgeS: { key: 'min_listing_age_s', min: 0, max: 365 * 86400 },
  maxActiveListingsPerSeller: { key: 'max_active_listings_per_seller', min: 1, max: 100 },
  requireVerifiedSeller: { key: 'require_verified_seller', min: 0, max: 1 },
  payoutHoldS: { key: 'payout_hold_s', min: 0, max: 365 * 86400 },
  listingNotifyCount: { key: 'listing_notify_count', min: 0, max: 100 },
};

/** What `PUT /api/modules/waitlist` accepts: the same keys and ranges, refused rather than clamped. */
export const WaitlistSettingsSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(KEYS).map(([name, spec]) => [
      spec.key,
      (name === 'requireVerifiedSeller' ? z.boolean() : z.number().int().min(spec.min).max(spec.max)).optional(),
    ]),
  ),
);

/**
 * Reads the tenant's settings leniently: a missing or malformed value falls back to the default and
 * an out-of-range one is clamped, so a typo in module settings never stops sales.
 */
export function parseWaitlistSettings(raw: Record<string, unknown> | undefined): WaitlistSettings {
  const out = { ...DEFAULT_WAITLIST_SETTINGS };
  for (const [name, spec] of Object.entries(KEYS) as [
    keyof WaitlistSettings,
    (typeof KEYS)[keyof WaitlistSettings],
  ][]) {
    const value = raw?.[spec.key];
    if (name === 'requireVerifiedSeller') {
      if (typeof value === 'boolean') out.requireVerifiedSeller = value;
      continue;
    }
    if (typeof value === 'number' && Number.isFinite(value)) {
      out[name] = Math.min(spec.max, Math.max(spec.min, Math.round(value)));
    }
  }
  return out;
}
