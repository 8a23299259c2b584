import type { Tx } from '../connection';

export interface PricedLine {
  unitPriceMinor: number;
  /** The pricing rule (or price test) that set this price, recorded on the order item. */
  priceRuleId: number | null;
  quoteId: number | null;
}

/**
 * Prices an order's lines: a valid quote's held price within its TTL, otherwise the current price.
 * Lines missing from the map pay the ticket type's list price.
 */
export async function priceOrderLines(
  _tx: Tx,
  _tenantId: string,
  _input: { customerId: number; eventId: number; quoteToken?: string; ticketTypeIds: number[]; now: Date },
): Promise<Map<number, PricedLine>> {
  return new Map();
}
