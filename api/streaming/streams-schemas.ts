import { z } from 'zod';
import { Id, IdParam, Pagination, text, Timestamp } from '../schemas/common';

const HttpsUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .meta({ description: 'The external player (YouTube, Vimeo, a conference tool), shown only to ticket holders' });

export const CreateStream = z
  .strictObject({
    event_id: Id,
    name: text(200).meta({ description: 'Stage or session name' }),
    provider: z.enum(['native', 'mux', 'embed']),
    scheduled_start_at: Timestamp,
    scheduled_end_at: Timestamp.nullable().optional(),
    embed_url: HttpsUrl.optional(),
  })
  .refine((b) => (b.provider === 'embed') === (b.embed_url !== undefined), {
    path: ['embed_url'],
    message: 'embed_url is required for the embed provider and only for it',
  });

export const UpdateStream = z.strictObject({
  name: text(200).optional(),
  scheduled_start_at: Timestamp.optional(),
  scheduled_end_at: Timestamp.nullable().optional(),
  embed_url: HttpsUrl.optional(),
});

export const StreamsQuery = Pagination.extend({
  event_id: IdParam.optional(),
  status: z.enum(['scheduled', 'live', 'ended']).optional(),
});

export const Stream = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    name: z.string(),
    provider: z.enum(['native', 'mux', 'embed']),
    status: z.enum(['scheduled', 'live', 'ended']),
    scheduled_start_at: z.string(),
    scheduled_end_at: z.string().nullable(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    ingest: z
      .object({ url: z.string(), stream_key: z.string() })
      .nullable()
      .meta({ description: 'Where the encoder (OBS, ffmpeg) publishes: native streams only; the key is a secret' }),
    embed_url: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Stream' });

export const PlaybackRequest = z.strictObject({
  session_id: z
    .uuid()
    .optional()
    .meta({ description: 'The viewer session to refresh; without it a new session starts and may take over another' }),
});

export const Playback = z
  .object({
    stream_id: z.number().int(),
    ticket_id: z.number().int(),
    session_id: z.string(),
    provider: z.enum(['native', 'mux', 'embed']),
    status: z.enum(['scheduled', 'live', 'ended']),
    token: z.string(),
    url: z.string().meta({ description: 'The HLS playlist (native, mux) or the external player (embed)' }),
    expires_at: z.string(),
    refresh_after_s: z.number().int(),
    replay_until: z.string().nullable(),
  })
  .meta({ id: 'StreamPlayback' });

export const HlsParams = z.object({
  id: z.string(),
  file: z.string().meta({ description: 'index.m3u8 or a segment' }),
});
export const HlsQuery = z.object({ token: z.string().meta({ description: 'A playback token' }) });
