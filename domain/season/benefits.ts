import { z } from 'zod';

/**
 * What a season package gives its members, stored as `season_packages.benefits`. Unknown keys are refused, so a
 * typo answers 400 with its path instead of being stored and silently ignored.
 */
export const SeasonBenefitsSchema = z
  .strictObject({
    presale_hours: z.number().int().min(0).max(2160).optional().meta({
      description: 'Hours before general sale (a ticket type’s sales_start_at) members may order',
    }),
    discount_percent: z.number().int().min(0).max(100).optional().meta({
      description: 'Percentage off the price of extra single tickets members buy',
    }),
    free_exchanges: z.number().int().min(0).max(100).optional().meta({
      description: 'Exchanges per season without the exchange fee',
    }),
    priority_seating: z.boolean().optional().meta({ description: 'Members choose season seats first' }),
    member_only_event_tags: z.array(z.string().trim().min(1).max(64)).max(50).optional().meta({
      description: 'Events carrying one of these tags are sold to members of this package only',
    }),
  })
  .meta({
    id: 'SeasonBenefits',
    example: { presale_hours: 48, discount_percent: 10, free_exchanges: 3, priority_seating: true },
  });

export type SeasonBenefits = z.infer<typeof SeasonBenefitsSchema>;

/** Stored benefits were validated when saved; anything unreadable grants nothing rather than failing a sale. */
export function benefitsOf(stored: unknown): SeasonBenefits {
  const parsed = SeasonBenefitsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : {};
}
