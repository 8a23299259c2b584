import { rm } from 'node:fs/promises';
import path from 'node:path';
import { withTenant } from '../../db/connection';
import { getModule, isModuleEnabled } from '../../db/platform/modules';
import { replayClosesFor } from '../../db/streaming/access';
import { meterMerchandiseRevenue, meterVirtualTicketRevenue } from '../../db/streaming/revenue';
import { getStream, moveStream } from '../../db/streaming/streams';
import { DEFAULT_REPLAY_WINDOW_HOURS } from '../../domain/streaming/access';
import { hlsFolderName } from '../../domain/streaming/playback-token';
import type { StreamingSettings } from '../../domain/streaming/settings';
import type { StreamScheduleInput, StreamScheduleStep } from '../../workflows/streaming/contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

const DEFAULT_AUTO_END_MINUTES = 30;
/** An unscheduled end: look again this often. */
const IDLE_LOOK_MS = 3_600_000;

export function createStreamsActivities({ db, config }: WorkerDeps) {
  return {
    /** One look at a stream for its schedule workflow: end it past its scheduled end, close its replay when due. */
    async streamsScheduleStep(input: StreamScheduleInput): Promise<StreamScheduleStep> {
      const now = Date.now();
      const decided = await withTenant(
        db,
        input.tenantId,
        async (tx): Promise<StreamScheduleStep | { purge: string }> => {
          let stream = await getStream(tx, input.streamId, { lock: true });
          if (!stream) return { done: true, outcome: 'deleted' };
          const settings = ((await getModule(tx, 'streaming'))?.settings ?? {}) as StreamingSettings;
          if (stream.status !== 'ended') {
            const grace = (settings.auto_end_after_minutes ?? DEFAULT_AUTO_END_MINUTES) * 60_000;
            const endAt = stream.scheduled_end_at ? stream.scheduled_end_at.getTime() + grace : undefined;
            if (endAt === undefined || endAt > now) return { done: false, wakeAt: endAt ?? now + IDLE_LOOK_MS };
            stream = await moveStream(tx, stream, 'ended', 'schedule');
          }
          const closes = await replayClosesFor(
            tx,
            { event_id: stream.event_id, ended_at: stream.ended_at ?? new Date(now) },
            settings.default_replay_window_hours ?? DEFAULT_REPLAY_WINDOW_HOURS,
          );
          if (closes.getTime() > now) return { done: false, wakeAt: closes.getTime() };
          return { purge: stream.ingest_key ?? '' };
        },
      );
      if (!('purge' in decided)) return decided;
      // The native recording is the replay: removing it makes the replay gone for good.
      if (decided.purge)
        await rm(path.resolve(config.STREAMING_MEDIA_DIR, 'hls', hlsFolderName(decided.purge)), {
          recursive: true,
          force: true,
        });
      return { done: true, outcome: 'replay_closed' };
    },
  };
}

export function streamsTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    // The streaming revenue share is metered when a virtual ticket is paid for, in the order event's transaction.
    defineTrigger({
      name: 'streaming.revenue_share',
      on: ['order.created'],
      run: async (event, { tx }) => {
        if (!(await isModuleEnabled(tx, 'streaming', event.payload.event_id))) return;
        await meterVirtualTicketRevenue(tx, event.tenantId, event.payload.order_id);
      },
    }),
    // Virtual merchandise a viewer buys through upsells counts into the same share.
    defineTrigger({
      name: 'streaming.merchandise_share',
      on: ['upsell.purchased'],
      run: async (event, { tx }) => {
        if (!(await isModuleEnabled(tx, 'streaming', event.payload.event_id))) return;
        await meterMerchandiseRevenue(tx, event.tenantId, event.payload);
      },
    }),
  ];
}
