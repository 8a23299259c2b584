import type { Tx } from '../connection';
import { conflict, unprocessable } from '../../lib/errors';
import { verifyQuoteToken } from '../../domain/pricing/quote-token';
import { currentPrices, getQuote, redeemQuote, storedQuoteSecret, type QuoteWithLines } from './quotes';

export interface PricedLine {
  unitPriceMinor: number;
  /** The pricing rule (or price test) that set this price, recorded on the order item. */
  priceRuleId: number | null;
  quoteId: number | null;
}

const invalidQuote = () => unprocessable('quote_invalid', 'The price quote is not valid for this order');

/**
 * The quote a token names, when it may price this order: genuine, of this tenant, not expired, for
 * this event, for this customer (a visitor's quote is the holder's), and not redeemed by another
 * order. Another customer's quote answers as a forged one does, so quote ids reveal nothing.
 */
async function quoteFor(
  tx: Tx,
  tenantId: string,
  input: { customerId: number; eventId: number; quoteToken: string; now: Date },
): Promise<QuoteWithLines> {
  const secret = await storedQuoteSecret(tx);
  if (!secret) throw invalidQuote();
  const check = await verifyQuoteToken(secret, input.quoteToken, input.now);
  if (!check.ok && check.reason === 'expired')
    throw unprocessable('quote_expired', 'The price quote has expired; ask for a new one');
  if (!check.ok || check.claims.tenantId !== tenantId) throw invalidQuote();
  const quote = await getQuote(tx, check.claims.quoteId);
  if (!quote || quote.event_id !== input.eventId) throw invalidQuote();
  if (quote.customer_id !== null && quote.customer_id !== input.customerId) throw invalidQuote();
  if (quote.expires_at <= input.now)
    throw unprocessable('quote_expired', 'The price quote has expired; ask for a new one');
  if (!(await redeemQuote(tx, quote.id, input.now)))
    throw conflict('quote_used', 'The price quote has already bought an order; ask for a new one');
  return quote;
}

/**
 * Prices an order's lines: a valid quote's held price within its TTL, otherwise the current price
 * and the rule whose change set it. Lines missing from the map pay the ticket type's list price.
 */
export async function priceOrderLines(
  tx: Tx,
  tenantId: string,
  input: { customerId: number; eventId: number; quoteToken?: string; ticketTypeIds: number[]; now: Date },
): Promise<Map<number, PricedLine>> {
  const priced = new Map<number, PricedLine>();
  for (const [id, current] of await currentPrices(tx, input.ticketTypeIds))
    priced.set(id, { unitPriceMinor: current.price_minor, priceRuleId: current.rule_id, quoteId: null });
  if (input.quoteToken === undefined) return priced;
  const quote = await quoteFor(tx, tenantId, { ...input, quoteToken: input.quoteToken });
  for (const line of quote.lines) {
    if (!priced.has(line.ticket_type_id)) continue;
    priced.set(line.ticket_type_id, { unitPriceMinor: line.price_minor, priceRuleId: line.rule_id, quoteId: quote.id });
  }
  return priced;
}
