import { z } from 'zod';

/** The pricing module's settings (`PUT /api/modules/pricing`). */
export const PricingSettingsSchema = z.strictObject({});

export type PricingSettings = z.infer<typeof PricingSettingsSchema>;
