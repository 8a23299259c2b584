import { z } from 'zod';

/** The upsells module's settings (`PUT /api/modules/upsells`). Each part keeps its own section. */
export const UpsellsSettingsSchema = z.strictObject({
  // --- products, rules and offers (catalog) ---
  // --- end catalog ---
  // --- buying, upgrades and vouchers (purchases) ---
  refund_add_ons_with_tickets: z.boolean().optional().meta({
    description:
      "When an order's last tickets are refunded (or turned into credit), its unused add-ons go with them by the same policy (default true)",
  }),
  // --- end purchases ---
  // --- recommendations (recommendations) ---
  // --- end recommendations ---
});

export type UpsellsSettings = z.infer<typeof UpsellsSettingsSchema>;
