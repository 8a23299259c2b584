import { z } from 'zod';

/** The analytics module's settings (`PUT /api/modules/analytics`). */
export const AnalyticsSettingsSchema = z.strictObject({
  raw_retention_days: z.number().int().min(7).max(3650).optional().meta({
    description:
      'How long raw tracking events are kept before their partitions are dropped (default 400); rollups are kept',
  }),
  attribution_window_days: z.number().int().min(1).max(90).optional().meta({
    description: 'How far back a touch may be credited with a purchase (default 30)',
  }),
});

export type AnalyticsSettings = z.infer<typeof AnalyticsSettingsSchema>;
export const DEFAULT_RAW_RETENTION_DAYS = 400;
export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 30;
