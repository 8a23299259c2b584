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
});
