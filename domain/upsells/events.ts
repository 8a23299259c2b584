import type { z } from 'zod';

/** The upsells module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const upsellsEvents = {
  // --- products, rules and offers (catalog) ---
  // --- end catalog ---
  // --- buying, upgrades and vouchers (purchases) ---
  // --- end purchases ---
  // --- recommendations (recommendations) ---
  // --- end recommendations ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const UPSELLS_EVENT_TYPES = Object.keys(upsellsEvents) as (keyof typeof upsellsEvents)[];
