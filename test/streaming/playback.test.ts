import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createStream, holder, playback, streamingEvent, type StreamingEvent } from './streams-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.stop());

const HOUR = 3_600_000;

describe('playback', () => {
  let t: TenantFixture;
  let ev: StreamingEvent;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Playback organiser');
    ev = await streamingEvent(t);
  });

  it('gives a short-lived token to a virtual ticket holder and none to an in-person one', async () => {
    const s = await createStream(t, ev.eventId);
    const viewer = await holder(h, t, ev.eventId, ev.standardTypeId);
    const res = await playback(viewer.api, s.id);
    expect(res.status).toBe(200);
    expect(res.body.ticket_id).toBe(viewer.ticketId);
    const ttl = new Date(res.body.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    expect(res.body.url).toContain(`/api/streaming/streams/${s.id}/hls/index.m3u8?token=`);
    const refreshed = await playback(viewer.api, s.id, res.body.session_id);
    expect([refreshed.status, refreshed.body.session_id]).toEqual([200, res.body.session_id]);

    const inPerson = await holder(h, t, ev.eventId, ev.inPersonTypeId);
    const refused = await playback(inPerson.api, s.id);
    expect([refused.status, refused.body.code]).toEqual([403, 'no_stream_access']);
    // An API key is not a ticket.
    expect((await playback(t.api, s.id)).body.code).toBe('customer_token_required');
  });

  it('lets one device watch per ticket: a second takes over and the first is told at its refresh', async () => {
    const s = await createStream(t, ev.eventId);
    const viewer = await holder(h, t, ev.eventId, ev.standardTypeId);
    const phone = await playback(viewer.api, s.id);
    const laptop = await playback(viewer.api, s.id);
    expect(laptop.status).toBe(200);
    const told = await playback(viewer.api, s.id, phone.body.session_id);
    expect([told.status, told.body.code]).toEqual([409, 'session_taken_over']);
    expect((await playback(viewer.api, s.id, laptop.body.session_id)).status).toBe(200);

    // A tenant may allow two devices.
    expect((await t.api.put('/api/modules/streaming', { settings: { max_viewers_per_ticket: 2 } })).status).toBe(200);
    const tablet = await playback(viewer.api, s.id);
    expect((await playback(viewer.api, s.id, laptop.body.session_id)).status).toBe(200);
    expect((await playback(viewer.api, s.id, tablet.body.session_id)).status).toBe(200);
    await t.api.put('/api/modules/streaming', { settings: {} });
  });

  it('stops a cancelled (refunded) ticket at its next refresh', async () => {
    const s = await createStream(t, ev.eventId);
    const viewer = await holder(h, t, ev.eventId, ev.premiumTypeId);
    const first = await playback(viewer.api, s.id);
    expect((await t.api.post(`/api/tickets/${viewer.ticketId}/cancel`)).status).toBe(200);
    const next = await playback(viewer.api, s.id, first.body.session_id);
    expect([next.status, next.body.code]).toEqual([403, 'no_stream_access']);
    expect((await playback(viewer.api, s.id)).status).toBe(403);
  });

  it('keeps replay open per ticket type: 48 hours standard, 30 days premium, then gone', async () => {
    const s = await createStream(t, ev.eventId);
    const standard = await holder(h, t, ev.eventId, ev.standardTypeId);
    const premium = await holder(h, t, ev.eventId, ev.premiumTypeId);
    await t.api.post(`/api/streaming/streams/${s.id}/start`);
    await t.api.post(`/api/streaming/streams/${s.id}/end`);
    const endedAt = async (hoursAgo: number) =>
      h
        .owner('streams')
        .where({ id: s.id })
        .update({ ended_at: new Date(Date.now() - hoursAgo * HOUR) });

    await endedAt(47);
    const replay = await playback(standard.api, s.id);
    expect(replay.status).toBe(200);
    expect(new Date(replay.body.replay_until ?? 0).getTime()).toBeCloseTo(Date.now() + HOUR, -5);

    await endedAt(49);
    expect((await playback(standard.api, s.id)).body.code).toBe('no_stream_access');
    const long = await playback(premium.api, s.id);
    expect(long.status).toBe(200);
    expect(new Date(long.body.replay_until ?? 0).getTime()).toBeCloseTo(Date.now() + (720 - 49) * HOUR, -5);

    await endedAt(24 * 30 + 1);
    expect((await playback(premium.api, s.id)).body.code).toBe('no_stream_access');

    // The tenant's default applies to ticket types without their own window.
    await t.api.put('/api/modules/streaming', { settings: { default_replay_window_hours: 24 * 31 } });
    expect((await playback(standard.api, s.id)).status).toBe(200);
    await t.api.put('/api/modules/streaming', { settings: {} });
  });
});
