import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { FFMPEG, publishTestPattern as publish } from '../helpers/media';
import { freePort } from '../../scripts/stack/wait';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createLogger } from '../../lib/logger';
import { startNativeServer, type NativeServer } from '../../integrations/streaming/native-server';
import { signPlaybackToken } from '../../domain/streaming/playback-token';
import { createStream, holder, playback, streamingEvent, type StreamBody } from './streams-fixtures';

jest.setTimeout(120_000);

const mediaDir = mkdtempSync(path.join(tmpdir(), 'usher-media-'));

const exited = (p: ChildProcess) =>
  new Promise<number | null>((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.once('exit', resolve)));

let h: Harness;
let media: NativeServer;
let rtmpPort: number;
beforeAll(async () => {
  h = await createHarness({ env: { STREAMING_MEDIA_DIR: mediaDir } });
  rtmpPort = await freePort();
  media = await startNativeServer({
    rtmpPort,
    callbackUrl: `${h.baseUrl}/api/streaming/native/callback`,
    mediaDir,
    ffmpegPath: FFMPEG,
    tokenSecret: h.config.TOKEN_SECRET,
    logger: createLogger('media-test', 'silent'),
  });
});
afterAll(async () => {
  await media.stop();
  await h.stop();
  rmSync(mediaDir, { recursive: true, force: true });
});

describe('native provider: RTMP ingest → HLS → token-gated playback', () => {
  let t: TenantFixture;
  let stream: StreamBody;
  let encoder: ChildProcess;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Native streaming organiser');
    const ev = await streamingEvent(t);
    stream = await createStream(t, ev.eventId);
    encoder = publish(`rtmp://127.0.0.1:${rtmpPort}/live/${stream.ingest?.stream_key}`, 40);
    Object.assign(stream, { viewer: await holder(h, t, ev.eventId, ev.standardTypeId) });
    Object.assign(stream, { other: await holder(h, t, ev.eventId, ev.premiumTypeId), eventId: ev.eventId });
  });
  afterAll(() => {
    encoder.kill('SIGINT');
  });

  const hls = (file: string, token?: string) =>
    fetch(
      `${h.baseUrl}/api/streaming/streams/${stream.id}/hls/${file}${token ? `?token=${encodeURIComponent(token)}` : ''}`,
    );

  it('goes live on publish and serves the playlist and segments to a valid token only', async () => {
    const { viewer, other, eventId } = stream as unknown as {
      viewer: Awaited<ReturnType<typeof holder>>;
      other: Awaited<ReturnType<typeof holder>>;
      eventId: number;
    };
    await eventually(
      async () => (await t.api.get<StreamBody>(`/api/streaming/streams/${stream.id}`)).body.status === 'live',
      { timeoutMs: 30_000, intervalMs: 250, what: 'the stream to go live' },
    );

    const pb = await playback(viewer.api, stream.id);
    expect(pb.status).toBe(200);
    const token = pb.body.token;
    const playlist = await eventually(
      async () => {
        const res = await hls('index.m3u8', token);
        const text = await res.text();
        return res.status === 200 && text.includes('.ts') && { res, text };
      },
      { timeoutMs: 45_000, intervalMs: 500, what: 'the HLS playlist' },
    );
    expect(playlist.res.headers.get('content-type')).toContain('mpegurl');
    expect(playlist.text).toMatch(/^#EXTM3U/);
    // Each segment carries the token, so the player needs nothing but the URL it was given.
    const segment = playlist.text.split('\n').find((l) => l && !l.startsWith('#')) ?? '';
    expect(segment).toMatch(/^seg_\d+\.ts\?token=/);
    const seg = await fetch(`${h.baseUrl}/api/streaming/streams/${stream.id}/hls/${segment}`);
    expect(seg.status).toBe(200);
    const bytes = new Uint8Array(await seg.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes[0]).toBe(0x47); // MPEG-TS sync byte
    const segFile = segment.split('?')[0];

    // No token, an expired one, another stream's token: 403.
    expect((await hls('index.m3u8')).status).toBe(403);
    expect((await hls(segFile)).status).toBe(403);
    const expired = signPlaybackToken(h.config.TOKEN_SECRET, {
      tenantId: t.tenantId,
      streamId: stream.id,
      ticketId: viewer.ticketId,
      sessionId: pb.body.session_id,
      exp: Math.floor(Date.now() / 1000) - 1,
    });
    const late = await hls(segFile, expired);
    expect(late.status).toBe(403);
    expect(((await late.json()) as { code: string }).code).toBe('playback_token_expired');
    const elsewhere = await createStream(t, eventId);
    const otherToken = (await playback(other.api, elsewhere.id)).body.token;
    expect((await hls('index.m3u8', otherToken)).status).toBe(403);
    expect((await hls(segFile, otherToken)).status).toBe(403);
    expect((await hls(segFile, `${token.slice(0, -3)}AAA`)).status).toBe(403);
  });

  it('refuses an encoder with a wrong key and readers without a token on the media server itself', async () => {
    const wrongKey = `${t.tenantId}-${stream.id}-${'0'.repeat(32)}`;
    const bad = publish(`rtmp://127.0.0.1:${rtmpPort}/live/${wrongKey}`, 30);
    const code = await Promise.race([exited(bad), new Promise((r) => setTimeout(() => r('running'), 20_000))]);
    bad.kill('SIGKILL');
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);

    // The media server asks the API about every reader too: a playback token of this stream reads, nothing else does.
    // Counts the video frames a reader gets in up to 4 s of stream: a refused one is cut off after the GOP cache.
    const read = async (query: string) => {
      const p = spawn(FFMPEG, [
        ...['-hide_banner', '-loglevel', 'error', '-rw_timeout', '15000000'],
        ...['-i', `rtmp://127.0.0.1:${rtmpPort}/live/${stream.ingest?.stream_key}${query}`],
        ...['-t', '4', '-map', '0:v', '-f', 'framemd5', '-'],
      ]);
      let frames = 0;
      p.stdout.on(
        'data',
        (d: Buffer) =>
          (frames += d
            .toString()
            .split('\n')
            .filter((l) => /^0,/.test(l)).length),
      );
      await Promise.race([exited(p), new Promise((r) => setTimeout(r, 25_000))]);
      p.kill('SIGKILL');
      return frames;
    };
    const { viewer } = stream as unknown as { viewer: Awaited<ReturnType<typeof holder>> };
    const token = (await playback(viewer.api, stream.id)).body.token;
    expect(await read(`?token=${encodeURIComponent(token)}`)).toBeGreaterThanOrEqual(90);
    expect(await read('')).toBeLessThan(60);
    expect(await read('?token=upb1.forged.sig')).toBeLessThan(60);
  });

  it("refuses another tenant's token", async () => {
    const other = await createTenantWithKey(h, 'Other native organiser');
    const oev = await streamingEvent(other);
    const theirs = await createStream(other, oev.eventId);
    const them = await holder(h, other, oev.eventId, oev.standardTypeId);
    const foreign = (await playback(them.api, theirs.id)).body.token;
    expect((await hls('index.m3u8', foreign)).status).toBe(403);
    expect((await playback(them.api, stream.id)).status).toBe(404);
  });
});
