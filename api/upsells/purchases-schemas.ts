import { z } from 'zod';
import { Id } from '../schemas/common';

export const UpsellLine = z.strictObject({
  product_id: Id,
  quantity: z.number().int().min(1).max(50),
  variant: z.string().trim().min(1).max(64).optional().meta({ description: "One of the product's variant keys" }),
  offer_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'The offer (`GET /api/upsells/offers`) the buyer took, for conversion tracking' }),
});

export const UpsellLines = z.array(UpsellLine).min(1).max(20);

export const OrderUpsellLine = z.object({
  id: z.number().int(),
  product_id: z.number().int(),
  kind: z.enum(['addon', 'bundle', 'upgrade']),
  quantity: z.number().int(),
  variant: z.string().nullable(),
  unit_price_minor: z.number().int(),
  status: z.enum(['pending', 'paid', 'cancelled', 'refunded']),
  refund_minor: z.number().int().nullable().meta({ description: 'What was given back, once refunded' }),
  ticket_id: z.number().int().nullable().meta({ description: "An upgrade's ticket" }),
  payment_id: z.number().int().nullable().meta({ description: 'Null when paid with the order; else its own payment' }),
  vouchers: z.array(
    z.object({
      code: z.string(),
      status: z.enum(['valid', 'redeemed', 'cancelled']),
      product_id: z
        .number()
        .int()
        .meta({ description: "What it admits to: the line's product, or a redeemable component of its bundle" }),
    }),
  ),
});

export const UpsellPayment = z.object({
  id: z.number().int(),
  amount_minor: z.number().int(),
  currency: z.string(),
  status: z.enum(['pending', 'paid', 'failed']),
  provider: z.string(),
  reference: z.string().nullable(),
  client_secret: z.string().nullable().meta({ description: 'For completing a card payment in the browser' }),
  created_at: z.string(),
  paid_at: z.string().nullable(),
});

export const AddToOrder = z.strictObject({
  items: UpsellLines,
  payment_method: z
    .string()
    .regex(/^pm_\w{1,100}$/)
    .optional(),
});

export const UpgradeTicket = z.strictObject({
  product_id: Id,
  offer_id: UpsellLine.shape.offer_id,
  payment_method: AddToOrder.shape.payment_method,
});

export const VoucherScan = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, '6-64 letters, digits, _ or -'),
  gate_id: Id,
});

export const VoucherVerdict = z.object({
  verdict: z.enum(['success', 'already_redeemed', 'invalid']),
  reason: z
    .enum(['unknown_code', 'cancelled', 'wrong_event', 'gate_does_not_accept_vouchers', 'gate_closed'])
    .nullable(),
  voucher: z
    .object({ product_id: z.number().int(), product_name: z.string(), redeemed_at: z.string().nullable() })
    .nullable(),
});

export const RefundLine = z.strictObject({
  amount_minor: z.number().int().min(0).max(100_000_000).optional().meta({
    description:
      "Tenant keys only: what to give back, overriding the refund policy (staff decide); customers get the policy's amount",
  }),
});
