import { z } from 'zod';

/** The streaming module's settings (`PUT /api/modules/streaming`). Each part keeps its own section. */
export const StreamingSettingsSchema = z.strictObject({
  // --- streams, access and providers (streams) ---
  // --- end streams ---
  // --- chat and moderation (chat) ---
  // --- end chat ---
});

export type StreamingSettings = z.infer<typeof StreamingSettingsSchema>;
