import { StreamingSettingsSchema } from '../domain/streaming/settings';
import { STREAMING_EVENT_TYPES } from '../domain/streaming/events';
import { defineModule } from './kit';

/**
 * Live streaming: virtual and hybrid tickets, streams with schedules and replay windows, ticket-gated signed playback on a
 * native media server, Mux or an embed, chat with moderation on the realtime server, virtual merchandise, 10% revenue share.
 */
export default defineModule({
  name: 'streaming',
  tag: 'streaming',
  addOn: 'streaming',
  settings: StreamingSettingsSchema,
  emits: STREAMING_EVENT_TYPES,
  api: async () => (await import('../api/streaming/routes')).streamingRoutes,
  worker: async () => {
    const { createStreamingActivities, streamingTriggers } = await import('../activities/streaming');
    return { activities: createStreamingActivities, triggers: streamingTriggers };
  },
  workflows: require.resolve('../workflows/streaming'),
  migrations: {
    '0033_streaming_streams': () => import('../db/migrations/0033_streaming_streams'),
    '0034_streaming_chat': () => import('../db/migrations/0034_streaming_chat'),
  },
});
