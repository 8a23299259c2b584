import { z } from 'zod';
import { ORDER_CHANNELS, ORDER_STATUSES } from '../../db/orders/orders';
import { CustomerInput } from '../customers/schemas';
import { AfterParam, ExternalRef, Id, IdParam, limitParam } from '../schemas/common';
import { Ticket } from '../tickets/schemas';
import { OrderUpsellLine, UpsellLines, UpsellPayment } from '../upsells/purchases-schemas';

export const TicketCode = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, '6-64 letters, digits, _ or -');

export const CreateOrder = z.strictObject({
  event_id: Id,
  customer_id: Id.optional(),
  customer: CustomerInput.optional(),
  items: z
    .array(
      z.strictObject({
        ticket_type_id: Id,
        quantity: z.number().int().min(1).max(50),
        codes: z
          .array(TicketCode)
          .max(50)
          .optional()
          .meta({ description: 'Existing ticket codes, when syncing an order paid on the tenant platform' }),
      }),
    )
    .min(1)
    .max(20),
  payment: z
    .strictObject({
      provider: z.enum(['offline', 'stripe', 'external', 'credit']).optional().meta({
        description:
          "Defaults to the configured provider; `external` records an order paid on the tenant platform; `credit` pays from the customer's store credit (422 `insufficient_credit` when it does not cover the total)",
      }),
      payment_method: z
        .string()
        .regex(/^pm_\w{1,100}$/)
        .optional(),
      reference: z.string().trim().min(1).max(200).optional(),
    })
    .optional(),
  external_ref: ExternalRef.optional(),
  channel: z
    .enum(ORDER_CHANNELS)
    .optional()
    .meta({ description: 'Where the order was taken (CRM segments filter on it)' }),
  promo_code: z.string().trim().min(1).max(64).optional(),
  upsells: UpsellLines.optional().meta({
    description:
      'Add-ons and bundles bought with the tickets (upsells module): units reserved atomically (409 `upsell_sold_out`), limits and sale windows enforced (422)',
  }),
  quote_token: z.string().min(1).max(2048).optional().meta({
    description:
      'A price quote (`POST /api/pricing/quotes`): its lines pay the held prices within its lifetime (422 `quote_expired` after, `quote_invalid` when altered or for another customer; 409 `quote_used` once it bought an order)',
  }),
});

export const OrderQuery = z.object({
  event_id: IdParam.optional(),
  customer_id: IdParam.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
  q: z.string().trim().min(1).max(40).optional().meta({ description: 'Order number' }),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const Order = z
  .object({
    id: z.number().int(),
    order_number: z.string(),
    status: z.enum(ORDER_STATUSES),
    event_id: z.number().int(),
    customer_id: z.number().int(),
    currency: z.string(),
    total_minor: z.number().int(),
    external_ref: z.string().nullable(),
    payment: z.object({
      provider: z.enum(['offline', 'stripe', 'external', 'credit']),
      reference: z.string().nullable(),
      client_secret: z.string().nullable().meta({ description: 'For completing a card payment in the browser' }),
      note: z.string().optional(),
    }),
    items: z.array(
      z.object({ ticket_type_id: z.number().int(), quantity: z.number().int(), unit_price_minor: z.number().int() }),
    ),
    tickets: z.array(Ticket),
    upsells: z.array(OrderUpsellLine).meta({ description: 'Add-ons, bundles and upgrades (upsells module)' }),
    upsell_payments: z
      .array(UpsellPayment)
      .meta({ description: 'Payments for add-ons or upgrades bought after the order was paid' }),
    created_at: z.string(),
    paid_at: z.string().nullable(),
  })
  .meta({ id: 'Order' });

export const CancelOrder = z.strictObject({ reason: z.string().trim().max(500).optional() });
