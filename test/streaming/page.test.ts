import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { createLogger } from '../../lib/logger';
import { startNativeServer, type NativeServer } from '../../integrations/streaming/native-server';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { FFMPEG, publishTestPattern } from '../helpers/media';
import { freePort } from '../../scripts/stack/wait';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { ChatSocket, chatUrl, startChatRealtime, ticketHolder, type StreamFixture } from './chat-helpers';
import { createStream, streamingEvent, type StreamBody } from './streams-fixtures';

jest.setTimeout(180_000);

const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-watch-media-'));

let h: Harness;
let t: TenantFixture;
let rt: Awaited<ReturnType<typeof startChatRealtime>>;
let media: NativeServer;
let rtmpPort: number;
let browser: BrowserContext;
const encoders: ChildProcess[] = [];
const sockets: ChatSocket[] = [];

/** A live native stream fed by ffmpeg's test pattern, and a fixture to seed its ticket holders with. */
async function liveNativeStream(): Promise<StreamFixture> {
  const ev = await streamingEvent(t);
  const stream: StreamBody = await createStream(t, ev.eventId);
  encoders.push(
    publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live/${stream.ingest?.stream_key}`, 120, { tone: false }),
  );
  await eventually(
    async () => (await t.api.get<StreamBody>(`/api/streaming/streams/${stream.id}`)).body.status === 'live',
    { timeoutMs: 30_000, intervalMs: 250, what: 'the stream to go live' },
  );
  return { eventId: ev.eventId, ticketTypeId: ev.standardTypeId, customerId: 0, streamId: stream.id };
}

async function openPage(streamId: number, token: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${h.baseUrl}/watch/${streamId}#token=${encodeURIComponent(token)}`);
  return page;
}

/** The video has decoded frames and its clock moves. */
async function waitForPlayback(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const v = document.querySelector('video');
      return !!v && v.readyState >= 2 && !v.paused && v.currentTime > 0.5 && v.videoWidth === 320;
    },
    undefined,
    { timeout: 60_000, polling: 250 },
  );
}

beforeAll(async () => {
  browser = await launchChromium('viewer page', { args: ['--autoplay-policy=no-user-gesture-required'] });
  h = await createHarness({ env: { STREAMING_MEDIA_DIR: mediaDir } });
  rt = await startChatRealtime(h);
  // The ports are known only now: the playback URL and the page's chat socket point at them.
  Object.assign(h.config, { publicApiUrl: h.baseUrl, REALTIME_PUBLIC_URL: rt.url });
  rtmpPort = await freePort();
  media = await startNativeServer({
    rtmpPort,
    callbackUrl: `${h.baseUrl}/api/streaming/native/callback`,
    mediaDir,
    ffmpegPath: FFMPEG,
    tokenSecret: h.config.TOKEN_SECRET,
    logger: createLogger('media-test', 'silent'),
  });
  t = await createTenantWithKey(h);
});
afterAll(async () => {
  for (const e of encoders) e.kill('SIGINT');
  await Promise.all(sockets.map((s) => s.close()));
  await browser?.close();
  await media?.stop();
  await rt?.stop();
  await h?.stop();
  fs.rmSync(mediaDir, { recursive: true, force: true });
});

it('plays the test stream with a valid ticket, from files served by Usher only, and shows a chat message from a second client', async () => {
  const f = await liveNativeStream();
  const viewer = await ticketHolder(h, t, f, 'Grace Hopper');
  const page = await openPage(f.streamId, viewer.token);
  const external: string[] = [];
  page.on('request', (r) => {
    const url = r.url();
    // blob: is the player's own MediaSource, in the page.
    if (
      !url.startsWith('blob:') &&
      !url.startsWith(h.baseUrl) &&
      !url.startsWith(rt.url.replace('ws:', 'http:')) &&
      !url.startsWith(rt.url)
    )
      external.push(url);
  });
  await waitForPlayback(page);
  await page.waitForFunction(() => (window as unknown as { usherWatch: { chat: string } }).usherWatch.chat === 'live');

  const other = await ticketHolder(h, t, f, 'Alan Turing');
  const socket = await ChatSocket.connect(chatUrl(rt.url, f.streamId, { token: other.token }));
  sockets.push(socket);
  expect((await socket.send({ type: 'message', body: 'What a picture!' })).type).toBe('ack');
  await page.waitForSelector('#messages li:has-text("What a picture!")', { timeout: 10_000 });
  expect(await page.textContent('#messages')).toContain('Alan T.');

  // And the page's own message reaches the other client.
  await page.fill('#body', 'Hello from the browser');
  await page.click('#send button');
  await socket.next((x) => x.type === 'message' && x.message.body === 'Hello from the browser');
  expect(external).toEqual([]);
  await page.close();
});

it('stops playback at the next token refresh once the ticket is cancelled', async () => {
  // Tokens live 30 s, so the player refreshes every 15 s.
  expect((await t.api.put('/api/modules/streaming', { settings: { playback_token_ttl_seconds: 30 } })).status).toBe(
    200,
  );
  const f = await liveNativeStream();
  const viewer = await ticketHolder(h, t, f);
  const page = await openPage(f.streamId, viewer.token);
  await waitForPlayback(page);
  await h.owner('tickets').where({ id: viewer.ticketId }).update({ status: 'cancelled' });
  await page.waitForFunction(
    () => (window as unknown as { usherWatch: { stopped: string | null } }).usherWatch.stopped === 'access_lost',
    undefined,
    { timeout: 40_000, polling: 250 },
  );
  expect(await page.evaluate(() => document.querySelector('video')?.paused)).toBe(true);
  expect(await page.textContent('#notice')).toContain('no longer opens this stream');
  await page.close();
});

it('shows the event merchandise beside the player when the upsells module is on', async () => {
  const f = await liveNativeStream();
  await h.owner('upsell_products').insert({
    tenant_id: t.tenantId,
    event_id: f.eventId,
    name: 'Tour T-shirt',
    type: 'addon',
    price_minor: 2500,
    currency: 'EUR',
    display_in: 'all',
  });
  const viewer = await ticketHolder(h, t, f);
  const page = await openPage(f.streamId, viewer.token);
  await page.waitForSelector('#merch .product:has-text("Tour T-shirt")', { timeout: 10_000 });
  expect(await page.textContent('#merch')).toMatch(/25[.,]00/);
  await page.close();
});
