import { z } from 'zod';

/** The season module's settings (`PUT /api/modules/season`). */
export const SeasonSettingsSchema = z.strictObject({});

export type SeasonSettings = z.infer<typeof SeasonSettingsSchema>;
