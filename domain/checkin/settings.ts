import { z } from 'zod';

/** The check-in module's settings (`PUT /api/modules/checkin`). */
export const CheckinSettingsSchema = z.strictObject({
  alert_email: z
    .email()
    .max(320)
    .optional()
    .meta({ description: 'Where capacity and suspicious-scan alerts are mailed' }),
  heartbeat_timeout_s: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .optional()
    .meta({ description: 'A scanner silent this long is shown offline' }),
});
