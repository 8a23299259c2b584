import { z } from 'zod';

const Percent = z.number().int().min(0).max(100);

/** The groups module's settings (`PUT /api/modules/groups`). Each part keeps its own section. */
export const GroupsSettingsSchema = z.strictObject({
  // --- groups, pricing, bulk orders and rosters (bookings) ---
  hold_hours: z.number().int().min(1).max(2160).optional().meta({
    description: "Hours a new group's seats are held before the payment deadline applies (default 72)",
  }),
  size_tiers: z
    .array(z.strictObject({ min_size: z.number().int().min(2).max(10000), percent_off: Percent }))
    .max(10)
    .refine((tiers) => new Set(tiers.map((t) => t.min_size)).size === tiers.length, 'min_size values must differ')
    .optional()
    .meta({ description: 'Discount by group size, the largest tier reached applies (default 10+ → 10%, 25+ → 15%)' }),
  fixed_rates: z
    .array(z.strictObject({ ticket_type_id: z.number().int().positive(), price_minor: z.number().int().min(0) }))
    .max(100)
    .refine((r) => new Set(r.map((x) => x.ticket_type_id)).size === r.length, 'one rate per ticket type')
    .optional()
    .meta({ description: 'A fixed group price per ticket, per ticket type; it replaces the size discount there' }),
  free_per: z
    .strictObject({ free: z.number().int().min(1).max(100), per: z.number().int().min(2).max(1000) })
    .refine((f) => f.free < f.per, { message: 'free must be below per', path: ['free'] })
    .nullable()
    .optional()
    .meta({ description: '"N free per M": in every M seats of a group, the N cheapest are free (default none)' }),
  // --- end bookings ---
  // --- split payments and deadlines (payments) ---
  payment_days: z.number().int().min(0).max(365).optional().meta({
    description: 'Days after creation the unpaid shares are due (default 7)',
  }),
  reminder_hours: z.array(z.number().int().min(1).max(8760)).max(10).optional().meta({
    description: 'Hours before the payment deadline members with unpaid shares are reminded (default [48, 24])',
  }),
  grace_hours: z.number().int().min(0).max(720).optional().meta({
    description:
      'Hours the leader has after the deadline to pay the unpaid shares before they are released (default 24)',
  }),
  deadline_time_scale: z.number().gt(0).max(1).optional().meta({
    description:
      'Multiplies every deadline duration (hold, reminders, grace); below 1 only for tests and demos (default 1)',
  }),
  // --- end payments ---
});

export type GroupsSettings = z.infer<typeof GroupsSettingsSchema>;

/** The tenant's group settings with the defaults filled in; unreadable stored settings fall back to the defaults. */
export function groupsSettingsOf(settings: unknown) {
  const parsed = GroupsSettingsSchema.safeParse(settings ?? {});
  const own = parsed.success ? parsed.data : {};
  return {
    hold_hours: own.hold_hours ?? 72,
    size_tiers: own.size_tiers ?? [
      { min_size: 10, percent_off: 10 },
      { min_size: 25, percent_off: 15 },
    ],
    fixed_rates: own.fixed_rates ?? [],
    free_per: own.free_per ?? null,
    payment_days: own.payment_days ?? 7,
    reminder_hours: own.reminder_hours ?? [48, 24],
    grace_hours: own.grace_hours ?? 24,
    deadline_time_scale: own.deadline_time_scale ?? 1,
  };
}

export type GroupsSettingsResolved = ReturnType<typeof groupsSettingsOf>;
