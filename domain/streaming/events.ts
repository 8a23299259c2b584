import { z } from 'zod';

/** The streaming module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const streamingEvents = {
  // --- streams, access and providers (streams) ---
  'streaming.stream_changed': {
    doc:
      "A stream's state moved (scheduled → live → ended), by the organiser, the media server's publish callback, " +
      'a Mux webhook or its schedule (past its end); an ended stream stays open for replay within each ticket type window.',
    payload: z.object({
      stream_id: z.number().int(),
      event_id: z.number().int(),
      provider: z.enum(['native', 'mux', 'embed']),
      status: z.enum(['live', 'ended']),
      source: z.enum(['organiser', 'media_server', 'mux', 'schedule']),
    }),
  },
  // --- end streams ---
  // --- chat and moderation (chat) ---
  'streaming.chat_user_sanctioned': {
    doc: "A moderator timed out or banned a viewer in a stream's chat: their messages are refused until ends_at (a ban never ends).",
    payload: z.object({
      stream_id: z.number().int(),
      customer_id: z.number().int(),
      kind: z.enum(['timeout', 'ban']),
      ends_at: z.string().nullable().describe('ISO 8601; null for a ban'),
      reason: z.string().nullable(),
    }),
  },
  'streaming.chat_user_unsanctioned': {
    doc: "A moderator lifted a viewer's time-out or ban in a stream's chat before it ended.",
    payload: z.object({ stream_id: z.number().int(), customer_id: z.number().int() }),
  },
  // --- end chat ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const STREAMING_EVENT_TYPES = Object.keys(streamingEvents) as (keyof typeof streamingEvents)[];
