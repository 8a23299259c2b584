import { z } from 'zod';

/** The refunds module's settings (`PUT /api/modules/refunds`). */
export const RefundSettingsSchema = z.strictObject({
  staff_email: z.email().max(320).optional().meta({ description: 'Who is reminded of requests awaiting approval' }),
  approval_reminder_after_s: z
    .number()
    .int()
    .min(1)
    .max(30 * 86400)
    .optional()
    .meta({ description: 'How long a pending request waits before staff are reminded' }),
  refund_rate_limit_per_s: z.number().int().min(1).max(10_000).optional().meta({
    description:
      "Payment provider refunds per second an event's mass refund may send (default 100, Stripe's live-mode limit)",
  }),
});

/** Stripe allows about 100 requests per second in live mode. */
export const DEFAULT_REFUND_RATE_LIMIT_PER_S = 100;
