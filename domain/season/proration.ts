/**
 * Season pricing rules, all in integer minor units.
 *
 * Mid-season purchase (pro rata): a full, category or VIP package bought once its season has begun costs
 * `price × events left / events total`, counting the events of the package's scope (see `coversEvent`) that are
 * not cancelled; "left" are those starting after the purchase. The result is rounded half up to a minor unit.
 * With no events in scope yet the full price applies (the season is still being scheduled); with none left the
 * purchase is refused (`season_over`). Flex packages always cost their full price (credits are what is bought),
 * and monthly billing charges the monthly price from the purchase on, so neither is pro-rated.
 *
 * Upgrade / downgrade: the customer is credited the unused share of the old package and charged the
 * remaining share of the new one; the net is charged when positive and credited when negative. The unused
 * share of a flex package is its unused credits over its credits (and a new flex package is charged in full,
 * its credits granted in full); of a monthly package, the time left in the current month; of any other package,
 * its events left over its events total as above. The credit never exceeds what was paid for the period.
 */
export interface Share {
  left: number;
  total: number;
}

/** `amount × left / total`, rounded half up; a share with no total is the whole amount. */
export function shareOf(amountMinor: number, share: Share): number {
  if (share.total <= 0) return amountMinor;
  const left = Math.min(Math.max(share.left, 0), share.total);
  return Math.floor((amountMinor * left * 2 + share.total) / (share.total * 2));
}

export interface PurchasePricing {
  type: 'full' | 'flex' | 'category' | 'vip';
  billingCycle: 'annual' | 'monthly' | 'one-time';
  priceMinor: number;
  events: Share;
}

/** What a purchase costs now, or null when the package's season has no event left to attend. */
export function purchasePrice(p: PurchasePricing): number | null {
  if (p.type === 'flex' || p.billingCycle === 'monthly') return p.priceMinor;
  if (p.events.total > 0 && p.events.left <= 0) return null;
  return shareOf(p.priceMinor, p.events);
}

export interface ChangeProration {
  creditMinor: number;
  chargeMinor: number;
  /** Positive: the customer pays it; negative: it is credited to the customer. */
  netMinor: number;
}

/** The proration of moving from one package to another: unused share of the old, remaining share of the new. */
export function changeProration(input: {
  oldPriceMinor: number;
  oldPaidMinor: number;
  oldUnused: Share;
  newPriceMinor: number;
  newRemaining: Share;
}): ChangeProration {
  const creditMinor = Math.min(shareOf(input.oldPriceMinor, input.oldUnused), input.oldPaidMinor);
  const chargeMinor = shareOf(input.newPriceMinor, input.newRemaining);
  return { creditMinor, chargeMinor, netMinor: chargeMinor - creditMinor };
}

/** The time share of a period left at `now`, in whole minutes. */
export function timeShare(start: Date, end: Date, now: Date): Share {
  const minute = 60_000;
  const total = Math.max(0, Math.round((end.getTime() - start.getTime()) / minute));
  return { left: Math.max(0, Math.round((end.getTime() - now.getTime()) / minute)), total };
}

/** The monthly billing period containing `now`, counted in calendar months from `startsAt`. */
export function monthlyPeriod(startsAt: Date, now: Date): { start: Date; end: Date } {
  const at = (months: number): Date => {
    const d = new Date(startsAt);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d;
  };
  let months = Math.max(
    0,
    (now.getUTCFullYear() - startsAt.getUTCFullYear()) * 12 + now.getUTCMonth() - startsAt.getUTCMonth(),
  );
  while (months > 0 && at(months) > now) months -= 1;
  return { start: at(months), end: at(months + 1) };
}
