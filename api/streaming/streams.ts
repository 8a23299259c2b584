import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { getTicketType } from '../../db/events/ticket-types';
import { streamAccessTicket } from '../../db/streaming/access';
import {
  deleteStream,
  moveStream,
  getStream,
  insertStream,
  listStreams,
  updateStream,
  type StreamRow,
} from '../../db/streaming/streams';
import { getViewerSession, openViewerSession, touchViewerSession } from '../../db/streaming/viewer-sessions';
import { replayClosesAt } from '../../domain/streaming/access';
import { signPlaybackToken } from '../../domain/streaming/playback-token';
import { AppError, conflict, forbidden, notFound, unprocessable } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import { streamScheduleStartOptions, streamScheduleWorkflowType } from '../../workflows/streaming/contract';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, page, toPage } from '../schemas/common';
import { nativeRoutes } from './streams-native';
import { muxRoutes } from './streams-mux';
import {
  createMuxLiveStream,
  muxClient,
  muxPassthrough,
  muxPlaybackUrl,
  signMuxPlayback,
} from '../../integrations/streaming/mux';
import { CreateStream, Playback, PlaybackRequest, Stream, StreamsQuery, UpdateStream } from './streams-schemas';
import { newIngestKey, streamSettings, toStream } from './streams-service';

/** An embed's external player is revealed this long before the scheduled start. */
const EMBED_OPENS_BEFORE_MS = 15 * 60_000;

async function loadStream(tx: Tx, id: number, lock = false): Promise<StreamRow> {
  const s = await getStream(tx, id, { lock });
  if (!s) throw notFound('Stream');
  return s;
}

/** Streams per event with a schedule and a provider, their states, and ticket-gated playback. */
export function streamsRoutes(deps: RouterDeps): void {
  const tags = ['streaming'];
  const module = 'streaming' as const;
  const rtmpUrl = deps.config.STREAMING_RTMP_URL;
  const out = (s: StreamRow) => toStream(s, rtmpUrl);

  defineRoute(deps, {
    method: 'post',
    path: '/api/streaming/streams',
    summary: 'Schedule a stream (a stage or session) of an event; a native stream gets its ingest key',
    tags,
    access: { scope: 'write', module },
    body: CreateStream,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Stream } },
    handler: async ({ tx, auth, body, afterCommit }) => {
      if (!(await getEvent(tx, body.event_id))) throw notFound('Event');
      let row = await insertStream(tx, auth.tenantId, {
        event_id: body.event_id,
        name: body.name,
        provider: body.provider,
        scheduled_start_at: new Date(body.scheduled_start_at),
        scheduled_end_at: body.scheduled_end_at ? new Date(body.scheduled_end_at) : null,
        embed_url: body.embed_url ?? null,
      });
      if (row.provider === 'native')
        row = await updateStream(tx, row.id, { ingest_key: newIngestKey(auth.tenantId, row.id) });
      if (row.provider === 'mux') {
        const live = await createMuxLiveStream(muxClient(deps.config), muxPassthrough(auth.tenantId, row.id));
        row = await updateStream(tx, row.id, {
          ingest_key: live.streamKey,
          mux_live_stream_id: live.liveStreamId,
          mux_playback_id: live.playbackId,
        });
      }
      const created = row;
      afterCommit(async () => {
        await startIdempotent(deps.temporal, streamScheduleWorkflowType, {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          ...streamScheduleStartOptions(created),
        });
      });
      return { status: 201, body: out(row) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/streaming/streams',
    summary: "The tenant's streams, optionally of one event or in one state",
    tags,
    access: { scope: 'read', module },
    query: StreamsQuery,
    responses: { 200: { description: 'Streams', schema: page(Stream) } },
    handler: async ({ tx, query }) => {
      const rows = await listStreams(tx, {
        eventId: query.event_id,
        status: query.status,
        limit: query.limit,
        afterId: query.after,
      });
      return { body: toPage(rows.map(out), query.limit) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/streaming/streams/{id}',
    summary: 'A stream with its schedule, state and ingest',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Stream', schema: Stream } },
    handler: async ({ tx, params }) => ({ body: out(await loadStream(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/streaming/streams/{id}',
    summary: "Change a stream's name, schedule or embed URL",
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateStream,
    responses: { 200: { description: 'Updated', schema: Stream } },
    handler: async ({ tx, params, body }) => {
      const s = await loadStream(tx, params.id, true);
      if (body.embed_url !== undefined && s.provider !== 'embed')
        throw unprocessable('not_an_embed', 'Only an embed stream has an embed URL');
      const start = body.scheduled_start_at ? new Date(body.scheduled_start_at) : s.scheduled_start_at;
      const end =
        body.scheduled_end_at === undefined
          ? s.scheduled_end_at
          : body.scheduled_end_at === null
            ? null
            : new Date(body.scheduled_end_at);
      if (end && end <= start) throw unprocessable('invalid_schedule', 'The scheduled end must follow the start');
      const row = await updateStream(tx, s.id, {
        ...(body.name ? { name: body.name } : {}),
        ...(body.embed_url ? { embed_url: body.embed_url } : {}),
        scheduled_start_at: start,
        scheduled_end_at: end,
      });
      return { body: out(row) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/streaming/streams/{id}',
    summary: 'Delete a stream that has not gone live',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, params }) => {
      const s = await loadStream(tx, params.id, true);
      if (s.status !== 'scheduled')
        throw conflict('stream_not_scheduled', 'Only a stream that never went live can be deleted');
      await deleteStream(tx, s.id);
      return { status: 204 };
    },
  });

  for (const [action, to] of [
    ['start', 'live'],
    ['end', 'ended'],
  ] as const) {
    defineRoute(deps, {
      method: 'post',
      path: `/api/streaming/streams/{id}/${action}`,
      summary: action === 'start' ? 'Mark a stream live' : 'End a stream: its replay window opens',
      tags,
      access: { scope: 'write', module },
      params: IdParams,
      responses: { 200: { description: 'Stream', schema: Stream } },
      handler: async ({ tx, params }) => ({
        body: out(await moveStream(tx, await loadStream(tx, params.id, true), to, 'organiser')),
      }),
    });
  }

  defineRoute(deps, {
    method: 'post',
    path: '/api/streaming/streams/{id}/playback',
    summary: "Start or refresh the customer's viewer session: a short-lived signed playback token and URL",
    tags,
    access: { scope: 'read', customer: true, module },
    params: IdParams,
    body: PlaybackRequest,
    responses: { 200: { description: 'Playback', schema: Playback } },
    handler: async ({ tx, auth, params, body }) => {
      const stream = await loadStream(tx, params.id);
      if (auth.kind !== 'customer') throw forbidden('customer_token_required', 'Playback is for a ticket holder');
      const settings = await streamSettings(tx);
      const now = new Date();
      const ticket = await streamAccessTicket(tx, {
        tenantId: auth.tenantId,
        streamId: stream.id,
        customerId: auth.customerId,
        now,
        defaultReplayHours: settings.defaultReplayHours,
      });
      let sessionId: string;
      if (body.session_id) {
        const s = await getViewerSession(tx, body.session_id);
        if (!s || s.stream_id !== stream.id) throw notFound('Viewer session');
        if (s.end_reason === 'taken_over')
          throw conflict('session_taken_over', 'Another device is watching on this ticket');
        if (!ticket || ticket.id !== s.ticket_id)
          throw forbidden('no_stream_access', 'The ticket no longer gives access to this stream');
        await touchViewerSession(tx, s.id);
        sessionId = s.id;
      } else {
        if (!ticket) throw forbidden('no_stream_access', 'No valid virtual ticket gives access to this stream');
        if (
          stream.provider === 'embed' &&
          stream.status === 'scheduled' &&
          now.getTime() < stream.scheduled_start_at.getTime() - EMBED_OPENS_BEFORE_MS
        )
          throw new AppError(409, 'stream_not_open', 'The stream opens shortly before it starts', {
            opens_at: new Date(stream.scheduled_start_at.getTime() - EMBED_OPENS_BEFORE_MS).toISOString(),
          });
        sessionId = (
          await openViewerSession(tx, auth.tenantId, {
            streamId: stream.id,
            ticketId: ticket.id,
            maxActive: settings.maxViewersPerTicket,
          })
        ).id;
      }
      const exp = Math.floor(now.getTime() / 1000) + settings.tokenTtlS;
      const token = signPlaybackToken(deps.config.TOKEN_SECRET, {
        tenantId: auth.tenantId,
        streamId: stream.id,
        ticketId: ticket.id,
        sessionId,
        exp,
      });
      const type = await getTicketType(tx, ticket.ticket_type_id);
      const replayUntil =
        stream.ended_at && type
          ? replayClosesAt(stream.ended_at, type.replay_window_hours, settings.defaultReplayHours)
          : null;
      return {
        body: {
          stream_id: stream.id,
          ticket_id: ticket.id,
          session_id: sessionId,
          provider: stream.provider,
          status: stream.status,
          token,
          url: await playbackUrl(stream, token, settings.tokenTtlS),
          expires_at: new Date(exp * 1000).toISOString(),
          // Refresh well before expiry, so a slow refresh never interrupts the picture.
          refresh_after_s: Math.max(10, Math.floor(settings.tokenTtlS / 2)),
          replay_until: replayUntil?.toISOString() ?? null,
        } satisfies z.infer<typeof Playback>,
      };
    },
  });

  nativeRoutes(deps);
  muxRoutes(deps);

  /** Where the player finds the picture: the token-gated HLS (native), Mux with its own signed token, or the embed. */
  async function playbackUrl(stream: StreamRow, token: string, ttlS: number): Promise<string> {
    if (stream.provider === 'embed') return stream.embed_url ?? '';
    if (stream.provider === 'mux' && stream.mux_playback_id) {
      const muxToken = await signMuxPlayback(muxClient(deps.config), stream.mux_playback_id, ttlS);
      return muxPlaybackUrl(stream.mux_playback_id, muxToken);
    }
    return `${deps.config.publicApiUrl}/api/streaming/streams/${stream.id}/hls/index.m3u8?token=${encodeURIComponent(token)}`;
  }
}
