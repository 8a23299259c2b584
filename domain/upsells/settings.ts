import { z } from 'zod';

/** The upsells module's settings (`PUT /api/modules/upsells`). Each part keeps its own section. */
export const UpsellsSettingsSchema = z.strictObject({
  // --- products, rules and offers (catalog) ---
  // --- end catalog ---
  // --- buying, upgrades and vouchers (purchases) ---
  // --- end purchases ---
  // --- recommendations (recommendations) ---
  // --- end recommendations ---
});

export type UpsellsSettings = z.infer<typeof UpsellsSettingsSchema>;
