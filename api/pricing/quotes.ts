import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getCustomer, unknownCustomer } from '../../db/customers/customers';
import { pricingSettings } from '../../db/pricing/changes';
import { createQuote, getQuote, quoteSecret, type QuoteWithLines } from '../../db/pricing/quotes';
import { signQuoteToken } from '../../domain/pricing/quote-token';
import { DEFAULT_QUOTE_TTL_SECONDS } from '../../domain/pricing/settings';
import { AppError, unprocessable } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute, type Auth } from '../route';
import { IdParams } from '../schemas/common';
import { CreateQuote, CreatedQuote, Quote } from './quotes-schemas';

const toQuote = (q: QuoteWithLines, now = new Date()): z.infer<typeof Quote> => ({
  id: q.id,
  event_id: q.event_id,
  customer_id: q.customer_id,
  visitor: q.visitor_id,
  status: q.used_at ? 'used' : q.expires_at <= now ? 'expired' : 'open',
  expires_at: q.expires_at.toISOString(),
  created_at: q.created_at.toISOString(),
  lines: q.lines,
});

/** Who the quote is for: a customer token's own customer, else a known customer or a visitor id. */
async function quoteBuyer(
  tx: Tx,
  auth: Auth,
  body: z.output<typeof CreateQuote>,
): Promise<{ customerId?: number; visitorId?: string }> {
  if (auth.kind === 'customer') {
    if (body.customer_id !== undefined && body.customer_id !== auth.customerId)
      throw unprocessable('customer_fixed_by_token', 'A customer token acts for its own customer');
    return { customerId: auth.customerId, visitorId: body.visitor };
  }
  if (body.customer_id === undefined && body.visitor === undefined)
    throw new AppError(400, 'validation_failed', 'Give customer_id or visitor', {
      errors: [{ path: 'body.customer_id', message: 'give customer_id or visitor', code: 'custom' }],
    });
  if (body.customer_id !== undefined && !(await getCustomer(tx, body.customer_id))) throw unknownCustomer();
  return { customerId: body.customer_id, visitorId: body.visitor };
}

/** Price quotes: a buyer's prices held for the quote's lifetime, and their A/B test arm. */
export function quotesRoutes(deps: RouterDeps): void {
  const tags = ['pricing'];
  const module = 'pricing' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/pricing/quotes',
    summary:
      "Quote a buyer the current prices (or their A/B test arm's) of an event's ticket types, held until `expires_at`",
    tags,
    access: { scope: 'write', customer: true, module },
    body: CreateQuote,
    idempotent: true,
    responses: { 201: { description: 'The quote and its signed token', schema: CreatedQuote } },
    handler: async ({ tx, auth, body }) => {
      const buyer = await quoteBuyer(tx, auth, body);
      const settings = await pricingSettings(tx);
      const now = new Date();
      const quote = await createQuote(tx, auth.tenantId, {
        eventId: body.event_id,
        ticketTypeIds: body.ticket_type_ids,
        ...buyer,
        now,
        ttlSeconds: settings.quote_ttl_seconds ?? DEFAULT_QUOTE_TTL_SECONDS,
      });
      const secret = await quoteSecret(tx, auth.tenantId);
      const token = await signQuoteToken(secret, { tenantId: auth.tenantId, quoteId: quote.id }, quote.expires_at);
      return {
        status: 201,
        headers: { Location: `/api/pricing/quotes/${quote.id}` },
        body: { ...toQuote(quote, now), token },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/pricing/quotes/{id}',
    summary: 'Get a price quote: its held prices and whether it is open, expired or used',
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    responses: { 200: { description: 'Quote', schema: Quote } },
    handler: async ({ tx, auth, params }) => ({
      body: toQuote(visibleTo(auth, await getQuote(tx, params.id), (q) => q.customer_id, 'Quote')),
    }),
  });
}
