import { z } from 'zod';

/** The surveys module's settings (`PUT /api/modules/surveys`). Each part keeps its own section. */
export const SurveysSettingsSchema = z.strictObject({
  // --- surveys, sending and responses (responses) ---
  dispatch_delay_s: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional()
    .meta({
      description: 'Seconds after an event ends before its survey goes out (default 7200: two hours)',
    }),
  reminder_after_s: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .nullable()
    .optional()
    .meta({
      description:
        'Seconds after the survey e-mail before non-responders get one reminder (default 3 days; null: none)',
    }),
  response_window_s: z
    .number()
    .int()
    .min(1)
    .max(365 * 86_400)
    .optional()
    .meta({
      description:
        'Seconds after the survey e-mail during which responses are taken and may be edited (default 14 days)',
    }),
  // --- end responses ---
  // --- reviews, NPS and automation (feedback) ---
  review_link_ttl_days: z.number().int().min(1).max(90).optional().meta({
    description: 'Days the customer token in a review request e-mail stays valid (default 14)',
  }),
  // --- end feedback ---
});

export type SurveysSettings = z.infer<typeof SurveysSettingsSchema>;
