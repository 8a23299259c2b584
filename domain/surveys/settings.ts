import { z } from 'zod';

/** The surveys module's settings (`PUT /api/modules/surveys`). Each part keeps its own section. */
export const SurveysSettingsSchema = z.strictObject({
  // --- surveys, sending and responses (responses) ---
  // --- end responses ---
  // --- reviews, NPS and automation (feedback) ---
  // --- end feedback ---
});

export type SurveysSettings = z.infer<typeof SurveysSettingsSchema>;
