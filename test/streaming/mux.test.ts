import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createStream, holder, playback, streamingEvent, type StreamingEvent } from './streams-fixtures';
import { muxSignature, startMuxStandIn, type MuxStandIn } from './mux-stand-in';

const WEBHOOK_SECRET = 'mux-webhook-secret-for-tests';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

let h: Harness;
let mux: MuxStandIn;
beforeAll(async () => {
  mux = await startMuxStandIn('mux-token-id', 'mux-token-secret');
  h = await createHarness({
    env: {
      MUX_TOKEN_ID: 'mux-token-id',
      MUX_TOKEN_SECRET: 'mux-token-secret',
      MUX_API_URL: mux.url,
      MUX_SIGNING_KEY_ID: 'signing-key-1',
      MUX_SIGNING_KEY: Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).toString('base64'),
      MUX_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
});
afterAll(async () => {
  await h.stop();
  await mux.stop();
});

const webhook = (body: unknown, secret = WEBHOOK_SECRET) => {
  const raw = JSON.stringify(body);
  return fetch(`${h.baseUrl}/api/streaming/mux/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'mux-signature': muxSignature(secret, raw) },
    body: raw,
  });
};

describe('mux provider', () => {
  let t: TenantFixture;
  let ev: StreamingEvent;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Mux organiser');
    ev = await streamingEvent(t);
  });

  it('creates a signed Mux live stream and gives holders an RS256 playback token for it', async () => {
    const s = await createStream(t, ev.eventId, { provider: 'mux' });
    const created = mux.created.at(-1);
    expect(created?.body).toMatchObject({
      playback_policies: ['signed'],
      new_asset_settings: { playback_policies: ['signed'] },
      passthrough: `${t.tenantId}:${s.id}`,
    });
    expect(s.ingest?.url).toBe('rtmps://global-live.mux.com:443/app');
    const row = await h.owner('streams').where({ id: s.id }).first();
    expect(row.mux_live_stream_id).toBe(created?.id);

    const viewer = await holder(h, t, ev.eventId, ev.standardTypeId);
    const pb = await playback(viewer.api, s.id);
    expect(pb.status).toBe(200);
    const url = new URL(pb.body.url);
    expect(url.origin + url.pathname).toBe(`https://stream.mux.com/${row.mux_playback_id}.m3u8`);
    const jwt = url.searchParams.get('token') ?? '';
    expect(decodeProtectedHeader(jwt).alg).toBe('RS256');
    const key = await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
    const { payload } = await jwtVerify(jwt, key, { audience: 'v', subject: row.mux_playback_id });
    // Mux reads the signing key's id from the claims, as the SDK writes it.
    expect(payload.kid).toBe('signing-key-1');
    expect((payload.exp ?? 0) * 1000 - Date.now()).toBeLessThanOrEqual(121_000);

    const inPerson = await holder(h, t, ev.eventId, ev.inPersonTypeId);
    expect((await playback(inPerson.api, s.id)).status).toBe(403);
  });

  it('moves the stream live and ended on signed webhooks only', async () => {
    const s = await createStream(t, ev.eventId, { provider: 'mux' });
    const created = mux.created.at(-1);
    const event = (type: string) => ({ type, data: { id: created?.id, passthrough: `${t.tenantId}:${s.id}` } });
    const status = async () => (await h.owner('streams').where({ id: s.id }).first()).status as string;

    expect((await webhook(event('video.live_stream.idle'))).status).toBe(200);
    expect(await status()).toBe('scheduled');
    expect((await webhook(event('video.live_stream.active'), 'not-the-secret')).status).toBe(400);
    expect(await status()).toBe('scheduled');
    expect((await webhook(event('video.live_stream.active'))).status).toBe(200);
    expect(await status()).toBe('live');
    expect((await webhook(event('video.live_stream.idle'))).status).toBe(200);
    expect(await status()).toBe('ended');
    // A late duplicate changes nothing.
    expect((await webhook(event('video.live_stream.active'))).status).toBe(200);
    expect(await status()).toBe('ended');
  });

  it("ignores a webhook naming another tenant's stream", async () => {
    const other = await createTenantWithKey(h, 'Other mux organiser');
    const theirs = await createStream(other, (await streamingEvent(other)).eventId, { provider: 'mux' });
    const forged = {
      type: 'video.live_stream.active',
      data: { id: 'not-theirs', passthrough: `${other.tenantId}:${theirs.id}` },
    };
    expect((await webhook(forged)).status).toBe(200);
    expect((await h.owner('streams').where({ id: theirs.id }).first()).status).toBe('scheduled');
  });
});
