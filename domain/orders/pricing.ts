/** A line of an order as priced at the time of purchase. */
export interface PricedLine {
  ticketTypeId: number;
  quantity: number;
  unitPriceMinor: number;
  currency: string;
}

export type PricingResult =
  | { ok: true; currency: string; totalMinor: number }
  | { ok: false; code: 'mixed_currencies' | 'empty_order' | 'duplicate_ticket_type' };

/** Totals an order; one order is one currency, and each ticket type appears once. */
export function priceOrder(lines: readonly PricedLine[]): PricingResult {
  if (!lines.length) return { ok: false, code: 'empty_order' };
  const currencies = new Set(lines.map((l) => l.currency));
  if (currencies.size > 1) return { ok: false, code: 'mixed_currencies' };
  if (new Set(lines.map((l) => l.ticketTypeId)).size !== lines.length)
    return { ok: false, code: 'duplicate_ticket_type' };
  const totalMinor = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
  return { ok: true, currency: lines[0].currency, totalMinor };
}

/** Human-friendly order number: short, unambiguous characters, prefixed so support can say it aloud. */
export function formatOrderNumber(sequence: number): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  let n = sequence;
  let out = '';
  do {
    out = alphabet[n % alphabet.length] + out;
    n = Math.floor(n / alphabet.length);
  } while (n > 0);
  return `U-${out.padStart(6, '2')}`;
}
