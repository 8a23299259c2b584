import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import {
  createStream,
  holder,
  playback,
  streamingEvent,
  type StreamBody,
  type StreamingEvent,
} from './streams-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.stop());

describe('streams', () => {
  let t: TenantFixture;
  let other: TenantFixture;
  let ev: StreamingEvent;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Streaming organiser');
    other = await createTenantWithKey(h, 'Other streaming organiser');
    ev = await streamingEvent(t);
  });

  it('exposes attendance and replay windows on ticket types', async () => {
    const types = await t.api.get<{ items: { id: number; attendance: string; replay_window_hours: number | null }[] }>(
      `/api/events/${ev.eventId}/ticket-types`,
    );
    expect(types.body.items.map((x) => [x.id, x.attendance, x.replay_window_hours])).toEqual([
      [ev.inPersonTypeId, 'in_person', null],
      [ev.standardTypeId, 'virtual', null],
      [ev.premiumTypeId, 'both', 720],
    ]);
    const patched = await t.api.patch<{ attendance: string }>(`/api/ticket-types/${ev.inPersonTypeId}`, {
      attendance: 'both',
    });
    expect(patched.body.attendance).toBe('both');
    await t.api.patch(`/api/ticket-types/${ev.inPersonTypeId}`, { attendance: 'in_person' });
  });

  it('schedules several streams per event and moves them scheduled → live → ended', async () => {
    const main = await createStream(t, ev.eventId, { name: 'Main stage' });
    const side = await createStream(t, ev.eventId, {
      name: 'Workshop',
      provider: 'embed',
      embed_url: 'https://player.vimeo.com/video/1',
    });
    expect(main).toMatchObject({ status: 'scheduled', provider: 'native', embed_url: null });
    // The ingest key names the tenant and stream, and is a secret of 128 bits.
    expect(main.ingest?.stream_key).toMatch(new RegExp(`^${t.tenantId}-${main.id}-[0-9a-f]{32}$`));
    expect(side.ingest).toBeNull();

    const list = await t.api.get<{ items: StreamBody[] }>(`/api/streaming/streams?event_id=${ev.eventId}`);
    expect(list.body.items.map((s) => s.id)).toEqual([main.id, side.id]);

    expect((await t.api.post<StreamBody>(`/api/streaming/streams/${main.id}/start`)).body.status).toBe('live');
    expect((await t.api.post<StreamBody>(`/api/streaming/streams/${main.id}/end`)).body.status).toBe('ended');
    const again = await t.api.post<{ code: string }>(`/api/streaming/streams/${main.id}/start`);
    expect([again.status, again.body.code]).toEqual([409, 'stream_ended']);
    const gone = await t.api.delete<{ code: string }>(`/api/streaming/streams/${main.id}`);
    expect([gone.status, gone.body.code]).toEqual([409, 'stream_not_scheduled']);
    expect((await t.api.delete(`/api/streaming/streams/${side.id}`)).status).toBe(204);

    const events = await h
      .owner('outbox')
      .where({ tenant_id: t.tenantId, type: 'streaming.stream_changed' })
      .orderBy('id');
    expect(events.map((e: { payload: { status: string; source: string } }) => e.payload)).toEqual([
      expect.objectContaining({ stream_id: main.id, status: 'live', source: 'organiser' }),
      expect.objectContaining({ stream_id: main.id, status: 'ended', source: 'organiser' }),
    ]);
  });

  it('refuses an embed without its URL and a schedule that ends before it starts', async () => {
    const noUrl = await t.api.post('/api/streaming/streams', {
      event_id: ev.eventId,
      name: 'Embed',
      provider: 'embed',
      scheduled_start_at: new Date().toISOString(),
    });
    expect(noUrl.status).toBe(400);
    const s = await createStream(t, ev.eventId);
    const bad = await t.api.patch<{ code: string }>(`/api/streaming/streams/${s.id}`, {
      scheduled_end_at: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect([bad.status, bad.body.code]).toEqual([422, 'invalid_schedule']);
  });

  it("reveals an embed's player to ticket holders only, and only near its start", async () => {
    const soon = await createStream(t, ev.eventId, {
      provider: 'embed',
      embed_url: 'https://www.youtube.com/embed/abc',
      scheduled_start_at: new Date(Date.now() + 5 * 60_000).toISOString(),
    });
    const later = await createStream(t, ev.eventId, {
      provider: 'embed',
      embed_url: 'https://www.youtube.com/embed/later',
      scheduled_start_at: new Date(Date.now() + 3 * 3_600_000).toISOString(),
    });
    const viewer = await holder(h, t, ev.eventId, ev.standardTypeId);
    const inPerson = await holder(h, t, ev.eventId, ev.inPersonTypeId);
    const ok = await playback(viewer.api, soon.id);
    expect([ok.status, ok.body.url]).toEqual([200, 'https://www.youtube.com/embed/abc']);
    const early = await playback(viewer.api, later.id);
    expect([early.status, early.body.code]).toEqual([409, 'stream_not_open']);
    const refused = await playback(inPerson.api, soon.id);
    expect([refused.status, refused.body.code]).toEqual([403, 'no_stream_access']);
    expect(JSON.stringify(refused.body)).not.toContain('youtube');
  });

  it("answers 404 for another tenant's streams", async () => {
    const s = await createStream(t, ev.eventId);
    expect((await other.api.get(`/api/streaming/streams/${s.id}`)).status).toBe(404);
    expect((await other.api.post(`/api/streaming/streams/${s.id}/start`)).status).toBe(404);
    expect((await other.api.delete(`/api/streaming/streams/${s.id}`)).status).toBe(404);
    const foreignEvent = await other.api.post('/api/streaming/streams', {
      event_id: ev.eventId,
      name: 'Hijack',
      provider: 'native',
      scheduled_start_at: new Date().toISOString(),
    });
    expect(foreignEvent.status).toBe(404);
    // Another tenant's ticket holder cannot even see the stream.
    const theirs = await streamingEvent(other);
    const stranger = await holder(h, other, theirs.eventId, theirs.standardTypeId);
    expect((await playback(stranger.api, s.id)).status).toBe(404);
  });
});
