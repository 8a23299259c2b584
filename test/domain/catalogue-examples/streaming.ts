import type { EventPayload } from '../../../domain/catalogue';
import type { streamingEvents } from '../../../domain/streaming/events';

/** Every shape the streaming module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const streamingEventExamples: { [K in keyof typeof streamingEvents]: [EventPayload<K>, ...EventPayload<K>[]] } =
  {
    // --- streams, access and providers (streams) ---
    'streaming.stream_changed': [
      { stream_id: 1, event_id: 2, provider: 'native', status: 'live', source: 'media_server' },
      { stream_id: 1, event_id: 2, provider: 'mux', status: 'ended', source: 'organiser' },
    ],
    // --- end streams ---
    // --- chat and moderation (chat) ---
    'streaming.chat_user_sanctioned': [
      { stream_id: 1, customer_id: 2, kind: 'timeout', ends_at: '2026-12-02T14:05:00.000Z', reason: 'spam' },
      { stream_id: 1, customer_id: 3, kind: 'ban', ends_at: null, reason: null },
    ],
    'streaming.chat_user_unsanctioned': [{ stream_id: 1, customer_id: 2 }],
    // --- end chat ---
  };
