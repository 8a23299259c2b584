import { z } from 'zod';
import { Id } from '../schemas/common';

export const Visitor = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w.:-]+$/)
  .meta({ description: 'A storefront visitor id (e.g. an analytics anonymous id), when no customer is known' });

export const CreateQuote = z
  .strictObject({
    event_id: Id.optional().meta({ description: 'Quote every ticket type of the event' }),
    ticket_type_ids: z
      .array(Id)
      .min(1)
      .max(50)
      .optional()
      .meta({ description: 'Quote these ticket types (all of one event)' }),
    customer_id: Id.optional().meta({ description: 'The buyer; a customer token is its own buyer' }),
    visitor: Visitor.optional(),
  })
  .refine((b) => b.event_id !== undefined || b.ticket_type_ids !== undefined, {
    message: 'give event_id or ticket_type_ids',
    path: ['event_id'],
  })
  .meta({
    description:
      'Give `event_id` or `ticket_type_ids` (both: those ticket types, of that event), and (with an API key) `customer_id` or `visitor`',
  });

export const QuoteLine = z.object({
  ticket_type_id: z.number().int(),
  price_minor: z.number().int(),
  currency: z.string(),
  rule_id: z.number().int().nullable().meta({ description: 'The pricing rule whose change set the price' }),
  price_test_id: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'The A/B price test whose arm the buyer was assigned, if one is running' }),
  arm: z.number().int().nullable(),
});

export const Quote = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    customer_id: z.number().int().nullable(),
    visitor: z.string().nullable(),
    status: z.enum(['open', 'expired', 'used']),
    expires_at: z.string(),
    created_at: z.string(),
    lines: z.array(QuoteLine),
  })
  .meta({ id: 'PriceQuote' });

export const CreatedQuote = Quote.extend({
  token: z.string().meta({
    description: 'Pass as `quote_token` to `POST /api/orders` before `expires_at` to pay the quoted prices',
  }),
}).meta({ id: 'CreatedPriceQuote' });
