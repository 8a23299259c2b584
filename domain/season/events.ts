import type { z } from 'zod';

/** The season module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const seasonEvents = {
  // --- packages and subscriptions (subscriptions) ---
  // --- end subscriptions ---
  // --- renewals (renewals) ---
  // --- end renewals ---
  // --- season seats and allocations (allocations) ---
  // --- end allocations ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const SEASON_EVENT_TYPES = Object.keys(seasonEvents) as (keyof typeof seasonEvents)[];
