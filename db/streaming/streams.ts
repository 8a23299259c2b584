import type { Tx } from '../connection';
import { conflict } from '../../lib/errors';
import { emit } from '../platform/outbox';

export type StreamChangeSource = 'organiser' | 'media_server' | 'mux' | 'schedule';

export type StreamProvider = 'native' | 'mux' | 'embed';
export type StreamStatus = 'scheduled' | 'live' | 'ended';

export interface StreamRow {
  id: number;
  tenant_id: string;
  event_id: number;
  name: string;
  provider: StreamProvider;
  status: StreamStatus;
  scheduled_start_at: Date;
  scheduled_end_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  ingest_key: string | null;
  mux_live_stream_id: string | null;
  mux_playback_id: string | null;
  embed_url: string | null;
  created_at: Date;
  updated_at: Date;
}

export type NewStream = Pick<StreamRow, 'event_id' | 'name' | 'provider' | 'scheduled_start_at'> &
  Partial<Pick<StreamRow, 'scheduled_end_at' | 'embed_url' | 'mux_live_stream_id' | 'mux_playback_id'>>;

export async function insertStream(tx: Tx, tenantId: string, input: NewStream): Promise<StreamRow> {
  const [row] = await tx('streams')
    .insert({ ...input, tenant_id: tenantId })
    .returning('*');
  return row;
}

export async function getStream(tx: Tx, id: number, opts: { lock?: boolean } = {}): Promise<StreamRow | undefined> {
  const q = tx<StreamRow>('streams').where({ id }).first();
  return opts.lock ? q.forUpdate() : q;
}

export async function listStreams(
  tx: Tx,
  filter: { eventId?: number; status?: StreamStatus; limit: number; afterId?: number },
): Promise<StreamRow[]> {
  const q = tx<StreamRow>('streams').orderBy('id').limit(filter.limit);
  if (filter.eventId !== undefined) q.where({ event_id: filter.eventId });
  if (filter.status) q.where({ status: filter.status });
  if (filter.afterId !== undefined) q.where('id', '>', filter.afterId);
  return q;
}

export async function updateStream(tx: Tx, id: number, patch: Partial<StreamRow>): Promise<StreamRow> {
  const [row] = await tx('streams')
    .where({ id })
    .update({ ...patch, updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

export async function deleteStream(tx: Tx, id: number): Promise<void> {
  await tx('stream_viewer_sessions').where({ stream_id: id }).delete();
  await tx('streams').where({ id }).delete();
}

/** Moves a stream scheduled → live → ended (going live again is a no-op; an ended stream stays ended). */
export async function moveStream(
  tx: Tx,
  stream: StreamRow,
  to: 'live' | 'ended',
  source: StreamChangeSource,
): Promise<StreamRow> {
  if (stream.status === to) return stream;
  if (stream.status === 'ended') throw conflict('stream_ended', 'The stream has ended');
  const row = await updateStream(
    tx,
    stream.id,
    to === 'live' ? { status: 'live', started_at: new Date() } : { status: 'ended', ended_at: new Date() },
  );
  await emit(tx, stream.tenant_id, {
    type: 'streaming.stream_changed',
    aggregateType: 'stream',
    aggregateId: stream.id,
    payload: { stream_id: stream.id, event_id: stream.event_id, provider: stream.provider, status: to, source },
  });
  return row;
}
