import type { GroupsSettingsResolved } from './settings';

export type GroupPricingRules = Pick<GroupsSettingsResolved, 'size_tiers' | 'fixed_rates' | 'free_per'>;

export interface SeatToPrice {
  ticketTypeId: number;
  listPriceMinor: number;
}

export interface PricedSeat extends SeatToPrice {
  priceMinor: number;
  /** What set the price: the list price, a size tier, a fixed group rate, or a free seat. */
  rule: 'list' | 'size_tier' | 'fixed_rate' | 'free';
}

export interface GroupQuote {
  seats: PricedSeat[];
  percentOff: number;
  freeSeats: number;
  listTotalMinor: number;
  totalMinor: number;
}

/** The largest size tier the group reaches, as a percentage off (0 below every tier). */
export function tierPercent(size: number, tiers: GroupPricingRules['size_tiers']): number {
  let best = { min_size: 0, percent_off: 0 };
  for (const t of tiers) if (size >= t.min_size && t.min_size >= best.min_size) best = t;
  return best.percent_off;
}

/**
 * Prices each seat of a group: a fixed group rate for its ticket type, else the list price less the size
 * tier's discount (rounded half up to a minor unit); then, for "N free per M", the N cheapest seats of every
 * full M are free. Seats come back in the order given.
 */
export function priceGroup(seats: readonly SeatToPrice[], rules: GroupPricingRules): GroupQuote {
  const percentOff = tierPercent(seats.length, rules.size_tiers);
  const rates = new Map(rules.fixed_rates.map((r) => [r.ticket_type_id, r.price_minor]));
  const priced: PricedSeat[] = seats.map((s) => {
    const rate = rates.get(s.ticketTypeId);
    if (rate !== undefined) return { ...s, priceMinor: rate, rule: 'fixed_rate' };
    if (percentOff === 0) return { ...s, priceMinor: s.listPriceMinor, rule: 'list' };
    return { ...s, priceMinor: Math.round((s.listPriceMinor * (100 - percentOff)) / 100), rule: 'size_tier' };
  });
  const freeSeats = rules.free_per ? Math.floor(seats.length / rules.free_per.per) * rules.free_per.free : 0;
  // Cheapest first, ties by position, so the same roster always frees the same seats.
  const order = priced.map((_, i) => i).sort((a, b) => priced[a].priceMinor - priced[b].priceMinor || a - b);
  for (const i of order.slice(0, freeSeats)) priced[i] = { ...priced[i], priceMinor: 0, rule: 'free' };
  return {
    seats: priced,
    percentOff,
    freeSeats,
    listTotalMinor: seats.reduce((s, x) => s + x.listPriceMinor, 0),
    totalMinor: priced.reduce((s, x) => s + x.priceMinor, 0),
  };
}
