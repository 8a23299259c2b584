import { z } from 'zod';
import { Id } from '../schemas/common';

export const PayShare = z.strictObject({
  member_ids: z
    .array(Id)
    .min(1)
    .max(10000)
    .refine((ids) => new Set(ids).size === ids.length, 'each member once')
    .meta({ description: "The seats this payment covers: a member's own, or any number the leader pays" }),
  payer: z.enum(['leader', 'member']),
  payment_method: z
    .string()
    .regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'a Stripe payment method id, e.g. pm_card_visa')
    .optional()
    .meta({ description: 'A saved payment method to confirm at once (Stripe)' }),
});

export const GroupPayment = z
  .object({
    id: z.number().int(),
    group_id: z.number().int(),
    member_ids: z.array(z.number().int()),
    payer: z.enum(['leader', 'member']),
    amount_minor: z.number().int(),
    currency: z.string(),
    provider: z.string(),
    provider_ref: z.string().nullable(),
    status: z.enum(['pending', 'succeeded', 'failed', 'refund_due', 'refunded']),
    client_secret: z
      .string()
      .nullable()
      .meta({ description: "Stripe: finishes a payment that needs the payer's action" }),
    note: z.string().nullable(),
    refund_request_id: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The refund request (`GET /api/refund-requests/{id}`) the share was refunded through' }),
  })
  .meta({ id: 'GroupPayment' });

export const GroupPayments = z.object({ items: z.array(GroupPayment) });

export const GroupBookingStateBody = z
  .object({
    status: z.string(),
    deadline_at: z.string(),
    grace_ends_at: z.string(),
    reminders_sent: z.number().int(),
    owing: z.number().int(),
    released_member_ids: z.array(z.number().int()),
    refunded_payment_ids: z.array(z.number().int()),
  })
  .meta({ id: 'GroupBookingState' });

export const GroupGateCode = z
  .object({
    group_id: z.number().int(),
    code: z.string().meta({
      description:
        "Scanned at a gate with admits_group_codes, it admits every ticket of the group's paid seats, each once",
    }),
  })
  .meta({ id: 'GroupGateCode' });
