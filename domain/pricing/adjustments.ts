/** Price adjustments shared by the strategies, and the money text used in reasons. */
import type { Adjustment } from './rule-shapes';

/** Applies an adjustment; never below zero, always whole minor units (percentages round half up). */
export function adjust(priceMinor: number, adjustment: Adjustment): number {
  let next: number;
  switch (adjustment.kind) {
    case 'set':
      next = adjustment.priceMinor;
      break;
    case 'amount':
      next = priceMinor + adjustment.deltaMinor;
      break;
    case 'percent':
      next = Math.round((priceMinor * (100 + adjustment.percent)) / 100);
      break;
  }
  return next < 0 ? 0 : next;
}

/** 1234 → "12.34" (currency-neutral: rules do not know the currency). */
export function money(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const cents = abs % 100;
  return `${sign}${Math.floor(abs / 100)}.${cents < 10 ? '0' : ''}${cents}`;
}

export function describeAdjustment(adjustment: Adjustment): string {
  switch (adjustment.kind) {
    case 'set':
      return `set to ${money(adjustment.priceMinor)}`;
    case 'amount':
      return `${adjustment.deltaMinor < 0 ? '' : '+'}${money(adjustment.deltaMinor)}`;
    case 'percent':
      return `${adjustment.percent < 0 ? '' : '+'}${adjustment.percent}%`;
  }
}
