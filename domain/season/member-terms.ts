/**
 * A season member's price for a ticket: the list (or quoted) price less `discountPercent`, the
 * discount rounded half up to a whole minor unit (4,999 at 15% is 4,249: 749.85 off rounds to 750).
 * Never below zero; a discount outside 0–100 is clamped.
 */
export function memberUnitPrice(unitPriceMinor: number, discountPercent: number): number {
  const pct = Math.min(Math.max(discountPercent, 0), 100);
  if (pct === 0) return unitPriceMinor;
  return Math.max(unitPriceMinor - Math.round((unitPriceMinor * pct) / 100), 0);
}
