import { z } from 'zod';

const Days = z.array(z.number().int().min(0).max(365)).max(10);

/** The season module's settings (`PUT /api/modules/season`). */
export const SeasonSettingsSchema = z.strictObject({
  renewal_reminder_days: Days.optional().meta({
    description: 'Days before the renewal date a reminder e-mail is sent (default [30, 7])',
  }),
  dunning_retry_days: z.array(z.number().int().min(0).max(90)).max(10).optional().meta({
    description: 'Days after a failed renewal charge it is retried, with a dunning e-mail (default [1, 3, 7])',
  }),
  grace_days: z.number().int().min(0).max(90).optional().meta({
    description: 'Days a subscription stays active after a failed renewal before it expires (default 14)',
  }),
  unclaimed_release_hours: z.number().int().min(0).max(720).optional().meta({
    description: 'Hours before an event an unclaimed season allocation is released for single sale (default 48)',
  }),
  release_warning_hours: z.number().int().min(0).max(720).optional().meta({
    description: 'Hours before an event the holder of an unclaimed allocation is warned (default 72)',
  }),
  release_credit_percent: z.number().int().min(0).max(100).optional().meta({
    description: 'Share of the resold price credited to the holder who released the seat, 0–100 (default 100)',
  }),
  exchange_fee_waived: z.boolean().optional().meta({
    description: 'Members with free exchanges pay no exchange fee (default true)',
  }),
  renewal_time_scale: z.number().gt(0).max(1).optional().meta({
    description:
      'Multiplies every renewal duration (reminders, retries, grace); below 1 only for tests and demos (default 1)',
  }),
});

export type SeasonSettings = z.infer<typeof SeasonSettingsSchema>;

export const SEASON_SETTINGS_DEFAULTS = {
  renewal_reminder_days: [30, 7],
  dunning_retry_days: [1, 3, 7],
  grace_days: 14,
  unclaimed_release_hours: 48,
  release_warning_hours: 72,
  release_credit_percent: 100,
  exchange_fee_waived: true,
  renewal_time_scale: 1,
} as const satisfies Required<SeasonSettings>;

export type ResolvedSeasonSettings = { [K in keyof SeasonSettings]-?: NonNullable<SeasonSettings[K]> };

/** The tenant's season settings with the defaults filled in; unreadable stored settings fall back to the defaults. */
export function seasonSettingsOf(settings: unknown): ResolvedSeasonSettings {
  const parsed = SeasonSettingsSchema.safeParse(settings ?? {});
  const own = parsed.success ? parsed.data : {};
  return {
    renewal_reminder_days: own.renewal_reminder_days ?? [...SEASON_SETTINGS_DEFAULTS.renewal_reminder_days],
    dunning_retry_days: own.dunning_retry_days ?? [...SEASON_SETTINGS_DEFAULTS.dunning_retry_days],
    grace_days: own.grace_days ?? SEASON_SETTINGS_DEFAULTS.grace_days,
    unclaimed_release_hours: own.unclaimed_release_hours ?? SEASON_SETTINGS_DEFAULTS.unclaimed_release_hours,
    release_warning_hours: own.release_warning_hours ?? SEASON_SETTINGS_DEFAULTS.release_warning_hours,
    release_credit_percent: own.release_credit_percent ?? SEASON_SETTINGS_DEFAULTS.release_credit_percent,
    exchange_fee_waived: own.exchange_fee_waived ?? SEASON_SETTINGS_DEFAULTS.exchange_fee_waived,
    renewal_time_scale: own.renewal_time_scale ?? SEASON_SETTINGS_DEFAULTS.renewal_time_scale,
  };
}
