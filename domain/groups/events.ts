import type { z } from 'zod';

/** The groups module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const groupsEvents = {
  // --- groups, pricing, bulk orders and rosters (bookings) ---
  // --- end bookings ---
  // --- split payments and deadlines (payments) ---
  // --- end payments ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const GROUPS_EVENT_TYPES = Object.keys(groupsEvents) as (keyof typeof groupsEvents)[];
