import type { z } from 'zod';

/** The pricing module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const pricingEvents = {
  // --- rules (rules) ---
  // --- end rules ---
  // --- quotes (quotes) ---
  // --- end quotes ---
  // --- price tests (tests) ---
  // --- end tests ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const PRICING_EVENT_TYPES = Object.keys(pricingEvents) as (keyof typeof pricingEvents)[];
