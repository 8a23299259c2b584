import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getModule } from '../../db/platform/modules';
import type { StreamRow } from '../../db/streaming/streams';
import { DEFAULT_REPLAY_WINDOW_HOURS } from '../../domain/streaming/access';
import type { StreamingSettings } from '../../domain/streaming/settings';
import { MUX_RTMP_URL } from '../../integrations/streaming/mux';
import { isoOrNull } from '../schemas/common';
import type { Stream } from './streams-schemas';

export interface StreamSettings {
  defaultReplayHours: number;
  maxViewersPerTicket: number;
  tokenTtlS: number;
}

/** The tenant's streaming settings with their defaults. */
export async function streamSettings(tx: Tx): Promise<StreamSettings> {
  const s = ((await getModule(tx, 'streaming'))?.settings ?? {}) as StreamingSettings;
  return {
    defaultReplayHours: s.default_replay_window_hours ?? DEFAULT_REPLAY_WINDOW_HOURS,
    maxViewersPerTicket: s.max_viewers_per_ticket ?? 1,
    tokenTtlS: s.playback_token_ttl_seconds ?? 120,
  };
}

/** `<tenant>-<stream id>-<secret>` (see `parseIngestKey`). */
export const newIngestKey = (tenantId: string, streamId: number): string =>
  `${tenantId}-${streamId}-${randomBytes(16).toString('hex')}`;

export const toStream = (s: StreamRow, rtmpUrl: string): z.infer<typeof Stream> => ({
  id: s.id,
  event_id: s.event_id,
  name: s.name,
  provider: s.provider,
  status: s.status,
  scheduled_start_at: s.scheduled_start_at.toISOString(),
  scheduled_end_at: isoOrNull(s.scheduled_end_at),
  started_at: isoOrNull(s.started_at),
  ended_at: isoOrNull(s.ended_at),
  ingest: s.ingest_key ? { url: s.provider === 'mux' ? MUX_RTMP_URL : rtmpUrl, stream_key: s.ingest_key } : null,
  embed_url: s.embed_url,
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
});
