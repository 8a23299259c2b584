import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { hlsFolderName } from '../../domain/streaming/playback-token';
import { streamScheduleWorkflowId } from '../../workflows/streaming/contract';
import { createStream } from './streams-fixtures';

const mediaDir = mkdtempSync(path.join(tmpdir(), 'usher-media-schedule-'));
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: true, env: { STREAMING_MEDIA_DIR: mediaDir } });
});
afterAll(() => h.stop());

it('ends a stream left open past its scheduled end, then removes the recording when the replay window closes', async () => {
  const t = await createTenantWithKey(h, 'Scheduled streaming organiser');
  // No grace after the scheduled end, and no replay for this event (its only ticket type is in person).
  await t.api.put('/api/modules/streaming', {
    settings: { auto_end_after_minutes: 0, default_replay_window_hours: 0 },
  });
  const f = await createOnSaleEvent(t);
  const s = await createStream(t, f.eventId, {
    scheduled_start_at: new Date(Date.now() - 60_000).toISOString(),
    scheduled_end_at: new Date(Date.now() + 3_000).toISOString(),
  });
  expect((await t.api.post(`/api/streaming/streams/${s.id}/start`)).status).toBe(200);
  const folder = path.join(mediaDir, 'hls', hlsFolderName(s.ingest?.stream_key ?? ''));
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'index.m3u8'), '#EXTM3U\n');

  const workflowId = streamScheduleWorkflowId(t.tenantId, s.id);
  const outcome: unknown = await h.temporal.workflow.getHandle(workflowId).result();
  expect(outcome).toBe('replay_closed');
  expect((await h.owner('streams').where({ id: s.id }).first()).status).toBe('ended');
  expect(existsSync(folder)).toBe(false);
  const changes = await h
    .owner('outbox')
    .where({ tenant_id: t.tenantId, type: 'streaming.stream_changed' })
    .orderBy('id');
  expect(
    changes.map((e: { payload: { status: string; source: string } }) => [e.payload.status, e.payload.source]),
  ).toEqual([
    ['live', 'organiser'],
    ['ended', 'schedule'],
  ]);
  await recordHistory(h.temporal, workflowId, 'streaming-stream-schedule');
});
