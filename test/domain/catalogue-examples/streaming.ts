import type { EventPayload } from '../../../domain/catalogue';
import type { streamingEvents } from '../../../domain/streaming/events';

/** Every shape the streaming module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const streamingEventExamples: { [K in keyof typeof streamingEvents]: [EventPayload<K>, ...EventPayload<K>[]] } =
  {
    // --- streams, access and providers (streams) ---
    // --- end streams ---
    // --- chat and moderation (chat) ---
    // --- end chat ---
  };
