import { z } from 'zod';

/** The streaming module's settings (`PUT /api/modules/streaming`). Each part keeps its own section. */
export const StreamingSettingsSchema = z.strictObject({
  // --- streams, access and providers (streams) ---
  default_replay_window_hours: z.number().int().min(0).max(8760).optional().meta({
    description:
      "Hours an ended stream's replay stays open to holders of ticket types without their own window (default 48)",
  }),
  max_viewers_per_ticket: z.number().int().min(1).max(10).optional().meta({
    description: 'Devices that may watch on one ticket at once; a newer one takes over the oldest (default 1)',
  }),
  playback_token_ttl_seconds: z.number().int().min(30).max(900).optional().meta({
    description: 'How long a playback token lives before the player refreshes it (default 120)',
  }),
  auto_end_after_minutes: z.number().int().min(0).max(1440).optional().meta({
    description: 'A stream still open this long after its scheduled end is ended by its schedule (default 30)',
  }),
  // --- end streams ---
  // --- chat and moderation (chat) ---
  chat_banned_words: z.array(z.string().trim().min(1).max(60)).max(1000).optional().meta({
    description: "The tenant's own banned words and phrases in chat, matched as whole words, case and accents ignored",
  }),
  chat_profanity_filter: z.boolean().optional().meta({
    description: "Refuse chat messages matching the maintained English profanity list (obscenity's); default true",
  }),
  // --- end chat ---
});

export type StreamingSettings = z.infer<typeof StreamingSettingsSchema>;
