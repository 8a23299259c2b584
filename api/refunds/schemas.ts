import { z } from 'zod';
import { REQUEST_STATUSES } from '../../db/refunds/requests';
import { CREDIT_KINDS } from '../../db/refunds/store-credit';
import { PolicyRules, REQUEST_TYPES } from '../../domain/refunds/policy';
import { Currency, Email, Id, IdParam, Pagination, text } from '../schemas/common';

export const SavePolicy = z.strictObject({
  name: text(200).optional(),
  rules: PolicyRules,
});

export const Policy = z
  .object({
    event_id: z.number().int().nullable(),
    source: z
      .enum(['event', 'default', 'none'])
      .meta({ description: "Whether the event's own policy, the tenant default or none applies" }),
    name: z.string().nullable(),
    rules: PolicyRules,
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'RefundPolicy' });

const TicketIds = z
  .string()
  .max(2000)
  .regex(/^[1-9]\d{0,15}(,[1-9]\d{0,15})*$/, 'comma-separated ticket ids')
  .transform((s) => [...new Set(s.split(',').map(Number))])
  .optional();

export const QuoteQuery = z.object({
  ticket_ids: TicketIds.meta({
    description: 'Comma-separated tickets of the order; all of its valid tickets when omitted',
  }),
});

const Option = z.object({ allowed: z.boolean(), reason: z.string() });
export const QuoteBody = z.object({
  days_before: z
    .number()
    .int()
    .nullable()
    .meta({ description: "Calendar days to the event's date in its time zone; null once it started" }),
  window: z
    .object({
      until_days_before: z.number(),
      refund_percentage: z.number(),
      exchange_allowed: z.boolean(),
      transfer_allowed: z.boolean(),
    })
    .nullable(),
  window_ends_at: z.string().nullable(),
  paid_minor: z.number().int(),
  refund: Option.extend({
    percentage: z.number(),
    gross_minor: z.number().int(),
    fee_minor: z.number().int(),
    amount_minor: z.number().int(),
  }),
  exchange: Option,
  transfer: Option,
  credit: Option.extend({ amount_minor: z.number().int() }),
});

export const RefundQuote = QuoteBody.extend({
  order_id: z.number().int(),
  ticket_ids: z.array(z.number().int()),
  currency: z.string(),
  policy_source: z.string(),
}).meta({ id: 'RefundQuote' });

export const CreateRefundRequest = z.strictObject({
  order_id: Id,
  ticket_ids: z
    .array(Id)
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'Single tickets; the whole order when omitted' }),
  type: z.enum(REQUEST_TYPES),
  reason: z.string().trim().max(1000).optional(),
  transfer_to: z
    .strictObject({ name: text(200), email: Email })
    .optional()
    .meta({ description: 'The new holder, for a transfer' }),
  exchange_to: z.strictObject({ ticket_type_id: Id }).optional().meta({
    description:
      'The ticket type (of this or another date) to exchange to; the price difference is settled through store credit and refunds',
  }),
});

export const RefundRequestQuery = Pagination.extend({
  status: z.enum(REQUEST_STATUSES).optional(),
  order_id: IdParam.optional(),
  customer_id: IdParam.optional(),
});

export const RefundRequest = z
  .object({
    id: z.number().int(),
    type: z.enum(REQUEST_TYPES),
    status: z.enum(REQUEST_STATUSES),
    within_policy: z.boolean().meta({ description: 'Approved by the policy as it was made; otherwise staff decide' }),
    order_id: z.number().int(),
    event_id: z.number().int(),
    customer_id: z.number().int(),
    reason: z.string().nullable(),
    currency: z.string(),
    original_amount_minor: z.number().int(),
    refund_amount_minor: z.number().int(),
    fee_amount_minor: z.number().int(),
    tickets: z.array(
      z.object({
        ticket_id: z.number().int(),
        paid_minor: z.number().int(),
        new_ticket_id: z.number().int().nullable(),
      }),
    ),
    transfer_to: z.object({ name: z.string(), email: z.string() }).nullable(),
    exchange_to: z
      .object({ event_id: z.number().int(), ticket_type_id: z.number().int(), unit_price_minor: z.number().int() })
      .nullable(),
    quote: QuoteBody.extend({ policy_source: z.string() }),
    payment_refund_id: z.string().nullable(),
    decided_by: z.string().nullable(),
    decision_note: z.string().nullable(),
    decided_at: z.string().nullable(),
    processed_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'RefundRequest' });

export const ApproveRequest = z.strictObject({
  amount_minor: z
    .number()
    .int()
    .min(0)
    .max(100_000_000)
    .optional()
    .meta({ description: 'For a refund or credit: the amount granted, when staff make an exception to the quote' }),
  note: z.string().trim().max(1000).optional(),
});

export const RejectRequest = z.strictObject({
  note: z.string().trim().max(1000).optional(),
});

export const CreditAdjustment = z.strictObject({
  amount_minor: z
    .number()
    .int()
    .min(-100_000_000)
    .max(100_000_000)
    .refine((n) => n !== 0, 'must not be zero'),
  currency: Currency,
  note: z.string().trim().max(500).optional(),
});

export const StoreCredit = z
  .object({
    customer_id: z.number().int(),
    balances: z.array(z.object({ currency: z.string(), balance_minor: z.number().int() })),
    entries: z.array(
      z.object({
        id: z.number().int(),
        currency: z.string(),
        amount_minor: z.number().int(),
        kind: z.enum(CREDIT_KINDS),
        refund_request_id: z.number().int().nullable(),
        order_id: z.number().int().nullable(),
        note: z.string().nullable(),
        created_at: z.string(),
      }),
    ),
    next_cursor: z.number().int().nullable(),
  })
  .meta({ id: 'StoreCredit' });

export const StartEventRefunds = z.strictObject({
  mode: z.enum(['refund', 'credit']).meta({
    description: '`refund`: everything paid goes back (the policy does not apply); `credit`: as store credit',
  }),
  reason: text(500).optional(),
});

export const EventRefunds = z
  .object({
    event_id: z.number().int(),
    mode: z.enum(['refund', 'credit']),
    reason: z.string().nullable(),
    status: z.enum(['running', 'completed']),
    total: z.number().int().meta({ description: 'Orders to refund: taken so far plus still to take' }),
    done: z.number().int().meta({ description: 'Orders refunded' }),
    failed: z
      .number()
      .int()
      .meta({ description: 'Orders the payment provider refused (their requests wait for staff)' }),
    refunded_minor: z.number().int(),
    percent: z.number().meta({ description: 'done and failed out of total, 0 to 100' }),
    workflow_id: z.string(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: 'EventRefunds' });
