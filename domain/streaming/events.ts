import type { z } from 'zod';

/** The streaming module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const streamingEvents = {
  // --- streams, access and providers (streams) ---
  // --- end streams ---
  // --- chat and moderation (chat) ---
  // --- end chat ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const STREAMING_EVENT_TYPES = Object.keys(streamingEvents) as (keyof typeof streamingEvents)[];
