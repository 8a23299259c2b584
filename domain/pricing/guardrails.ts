/**
 * The tenant's guardrails, applied to every price a rule proposes before it is served. Pure.
 */

export interface PricingGuardrails {
  /** No price below this (minor units); null: none. */
  floorMinor: number | null;
  /** No price above this (minor units); null: none. */
  capMinor: number | null;
  /** At most this many percent up or down from the price in force 24 hours earlier; null: unlimited. */
  maxChangePerDayPercent: number | null;
  /** Prices only ever go up. */
  neverDecrease: boolean;
  /** At least this long between two changes; 0: no minimum. */
  minIntervalMs: number;
}

export const DEFAULT_GUARDRAILS: PricingGuardrails = {
  floorMinor: null,
  capMinor: null,
  maxChangePerDayPercent: null,
  neverDecrease: false,
  minIntervalMs: 0,
};

export type GuardrailLimit = 'floor' | 'cap' | 'max_change_per_day' | 'never_decrease' | 'min_interval';

export interface GuardrailInput {
  proposedMinor: number;
  currentMinor: number;
  now: Date;
  guardrails: PricingGuardrails;
  /** The price in force 24 hours before `now` (a rolling day, not the calendar day). */
  priceAtStartOfDayMinor: number;
  lastChangeAt: Date | null;
  /** The lowest price of the 30 days before `now` (EU Omnibus Directive), returned with reductions. */
  lowest30dMinor: number;
}

export interface GuardrailOutcome {
  /** The price to serve, within every guardrail. */
  priceMinor: number;
  changed: boolean;
  /** The guardrails that changed the proposal, in the order they were applied. */
  limitedBy: GuardrailLimit[];
  /** When `min_interval` held the price: the earliest time the change may be made. */
  retryAt: Date | null;
  /** On a reduction, the prior 30 days' lowest price to announce with it (Omnibus); null otherwise. */
  lowest30dMinor: number | null;
}

/** Integer bounds of a percentage band around a price (a tolerance absorbs float noise: 110% of 50.00 is 55.00). */
function band(referenceMinor: number, percent: number): { low: number; high: number } {
  return {
    low: Math.max(0, Math.ceil((referenceMinor * (100 - percent)) / 100 - 1e-9)),
    high: Math.floor((referenceMinor * (100 + percent)) / 100 + 1e-9),
  };
}

function withinBounds(priceMinor: number, g: PricingGuardrails): number {
  let price = priceMinor;
  if (g.floorMinor !== null && price < g.floorMinor) price = g.floorMinor;
  if (g.capMinor !== null && price > g.capMinor) price = g.capMinor;
  return price;
}

/**
 * In order: never decrease (hold the current price), the daily change band around the price 24 hours
 * earlier (never forcing a move beyond the current price: a price already outside the band may stay
 * where it is or move towards it), the floor and the cap (absolute, so they win over the others; the
 * cap wins over a floor above it), and the minimum interval (the change waits until `retryAt`, except
 * what the floor or cap force at once).
 */
export function applyGuardrails(input: GuardrailInput): GuardrailOutcome {
  const { guardrails: g, currentMinor } = input;
  const limitedBy: GuardrailLimit[] = [];
  let price = input.proposedMinor;
  if (g.neverDecrease && price < currentMinor) {
    price = currentMinor;
    limitedBy.push('never_decrease');
  }
  if (g.maxChangePerDayPercent !== null) {
    const { low, high } = band(input.priceAtStartOfDayMinor, g.maxChangePerDayPercent);
    const lowest = Math.min(low, currentMinor);
    const highest = Math.max(high, currentMinor);
    if (price < lowest || price > highest) {
      price = price < lowest ? lowest : highest;
      limitedBy.push('max_change_per_day');
    }
  }
  if (g.floorMinor !== null && price < g.floorMinor) {
    price = g.floorMinor;
    limitedBy.push('floor');
  }
  if (g.capMinor !== null && price > g.capMinor) {
    price = g.capMinor;
    limitedBy.push('cap');
  }
  let retryAt: Date | null = null;
  if (price !== currentMinor && g.minIntervalMs > 0 && input.lastChangeAt) {
    const earliest = input.lastChangeAt.getTime() + g.minIntervalMs;
    if (input.now.getTime() < earliest) {
      price = withinBounds(currentMinor, g);
      limitedBy.push('min_interval');
      retryAt = new Date(earliest);
    }
  }
  return {
    priceMinor: price,
    changed: price !== currentMinor,
    limitedBy,
    retryAt,
    lowest30dMinor: price < currentMinor ? input.lowest30dMinor : null,
  };
}
