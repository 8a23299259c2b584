import type { z } from 'zod';

/** The surveys module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const surveysEvents = {
  // --- surveys, sending and responses (responses) ---
  // --- end responses ---
  // --- reviews, NPS and automation (feedback) ---
  // --- end feedback ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const SURVEYS_EVENT_TYPES = Object.keys(surveysEvents) as (keyof typeof surveysEvents)[];
