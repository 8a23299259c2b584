import { z } from 'zod';

/** The groups module's settings (`PUT /api/modules/groups`). Each part keeps its own section. */
export const GroupsSettingsSchema = z.strictObject({
  // --- groups, pricing, bulk orders and rosters (bookings) ---
  // --- end bookings ---
  // --- split payments and deadlines (payments) ---
  // --- end payments ---
});

export type GroupsSettings = z.infer<typeof GroupsSettingsSchema>;
