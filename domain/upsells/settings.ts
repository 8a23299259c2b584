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
  // --- unpaid add-ons (upsells) ---
  addon_payment_window_s: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional()
    .meta({
      description:
        'How long a buyer has to complete the payment of add-ons or an upgrade bought after purchase before their units go back (default 1800)',
    }),
  // --- end unpaid add-ons (upsells) ---
  // --- connected account (upsells) ---
  stripe_connected_account: z
    .string()
    .regex(/^acct_\w{1,100}$/, 'a Stripe connected account, acct_...')
    .nullable()
    .optional()
    .meta({
      description:
        "The tenant's Stripe connected account (acct_...): add-ons and upgrades paid after purchase through Stripe go to it as destination charges, the platform keeping the 3% commission as the application fee",
    }),
  // --- end connected account (upsells) ---
  // --- recommendations (recommendations) ---
  // --- end recommendations ---
});

export type UpsellsSettings = z.infer<typeof UpsellsSettingsSchema>;
