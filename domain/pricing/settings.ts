import { z } from 'zod';
import type { PricingGuardrails } from './guardrails';

const MAX_MINOR = 100_000_000;

/** The pricing module's settings (`PUT /api/modules/pricing`): the tenant's guardrails and timings. */
export const PricingSettingsSchema = z
  .strictObject({
    floor_minor: z.number().int().min(0).max(MAX_MINOR).optional().meta({
      description: 'No rule may price a ticket below this, in minor units (cents); default none',
    }),
    cap_minor: z.number().int().min(0).max(MAX_MINOR).optional().meta({
      description: 'No rule may price a ticket above this, in minor units (cents); default none',
    }),
    max_change_per_day_percent: z.number().min(0).max(1000).optional().meta({
      description: 'At most this many percent up or down from the price in force 24 hours earlier; default unlimited',
    }),
    never_decrease: z.boolean().optional().meta({
      description: 'Prices only ever go up (default false)',
    }),
    min_interval_minutes: z.number().int().min(0).max(10_080).optional().meta({
      description: 'At least this many minutes between two price changes of a ticket type (default 0)',
    }),
    demand_evaluation_minutes: z.number().int().min(1).max(1440).optional().meta({
      description: 'How often demand rules re-evaluate sales velocity (default 15)',
    }),
    quote_ttl_seconds: z.number().int().min(30).max(86_400).optional().meta({
      description: 'How long a quoted price is held for the buyer (default 900)',
    }),
  })
  .refine((s) => s.floor_minor === undefined || s.cap_minor === undefined || s.floor_minor <= s.cap_minor, {
    path: ['cap_minor'],
    message: 'cap_minor must be at least floor_minor',
  });

export type PricingSettings = z.infer<typeof PricingSettingsSchema>;
export const DEFAULT_DEMAND_EVALUATION_MINUTES = 15;
export const DEFAULT_QUOTE_TTL_SECONDS = 900;

/** The guardrails the settings describe (unset keys: no limit). */
export function guardrailsOf(settings: PricingSettings): PricingGuardrails {
  return {
    floorMinor: settings.floor_minor ?? null,
    capMinor: settings.cap_minor ?? null,
    maxChangePerDayPercent: settings.max_change_per_day_percent ?? null,
    neverDecrease: settings.never_decrease ?? false,
    minIntervalMs: (settings.min_interval_minutes ?? 0) * 60_000,
  };
}
