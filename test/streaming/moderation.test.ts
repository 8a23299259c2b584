import { client, createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import type { ChatMessage } from '../../domain/streaming/chat-protocol';
import {
  ChatSocket,
  chatUrl,
  createLiveStream,
  startChatRealtime,
  ticketHolder,
  type StreamFixture,
} from './chat-helpers';

jest.setTimeout(90_000);

let h: Harness;
let t: TenantFixture;
let rt: Awaited<ReturnType<typeof startChatRealtime>>;
const sockets: ChatSocket[] = [];

const open = async (f: StreamFixture, cred: { token?: string; key?: string }): Promise<ChatSocket> => {
  const s = await ChatSocket.connect(chatUrl(rt.url, f.streamId, cred));
  sockets.push(s);
  return s;
};
const viewer = async (f: StreamFixture) => {
  const holder = await ticketHolder(h, t, f);
  return { ...holder, socket: await open(f, { token: holder.token }) };
};

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
  rt = await startChatRealtime(h);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await rt?.stop();
  await h?.stop();
});

it("refuses a message with a word from the profanity list or the tenant's own list, with the code banned_word", async () => {
  const f = await createLiveStream(h, t);
  const v = await viewer(f);
  expect(await v.socket.send({ type: 'message', body: 'what a fucking great show' })).toMatchObject({
    type: 'error',
    code: 'banned_word',
  });
  // Leetspeak is caught too.
  expect(await v.socket.send({ type: 'message', body: 'sh1t happens' })).toMatchObject({ code: 'banned_word' });
  expect((await v.socket.send({ type: 'message', body: 'Buy cheap tickets at scalpr' })).type).toBe('ack');

  const put = await t.api.put('/api/modules/streaming', {
    enabled: true,
    settings: { chat_banned_words: ['Scalpr', 'free tickets'] },
  });
  expect(put.status).toBe(200);
  expect(await v.socket.send({ type: 'message', body: 'Buy cheap tickets at SCALPR now' })).toMatchObject({
    code: 'banned_word',
  });
  expect(await v.socket.send({ type: 'message', body: 'FREE   Tickets here' })).toMatchObject({ code: 'banned_word' });
  // Whole words only: a word that merely contains a banned one passes.
  expect((await v.socket.send({ type: 'message', body: 'scalprs are not a word' })).type).toBe('ack');
  // Over the API the same rule answers 422 with the same code.
  const api = await client(h.baseUrl, v.token).post(`/api/streaming/streams/${f.streamId}/chat/messages`, {
    body: 'scalpr tickets',
  });
  expect(api).toMatchObject({ status: 422, body: { code: 'banned_word' } });
});

it('refuses a timed-out viewer until the time-out ends, and a banned one until the ban is lifted', async () => {
  const f = await createLiveStream(h, t);
  const mod = await open(f, { key: t.key });
  const v = await viewer(f);
  const other = await viewer(f);

  expect(
    (await mod.send({ type: 'sanction', customer_id: v.customerId, kind: 'timeout', duration_seconds: 2 })).type,
  ).toBe('ack');
  // Every viewer is told, so the page can grey out the timed-out viewer's input.
  await other.socket.next(
    (x) => x.type === 'user_sanctioned' && x.customer_id === v.customerId && x.kind === 'timeout',
  );
  const refused = await v.socket.send({ type: 'message', body: 'let me speak' });
  expect(refused).toMatchObject({ type: 'error', code: 'timed_out', until: expect.any(String) });
  expect(refused.type === 'error' && refused.retry_after_seconds).toBeGreaterThanOrEqual(1);
  // Others still talk.
  expect((await other.socket.send({ type: 'message', body: 'I can' })).type).toBe('ack');
  // Once the time-out ends the same viewer is heard again.
  await eventually(async () => (await v.socket.send({ type: 'message', body: 'back again' })).type === 'ack', {
    timeoutMs: 10_000,
    intervalMs: 250,
    what: 'the time-out to end',
  });

  const ban = await t.api.post(`/api/streaming/streams/${f.streamId}/chat/sanctions`, {
    customer_id: v.customerId,
    kind: 'ban',
    reason: 'spam',
  });
  expect(ban).toMatchObject({ status: 201, body: { kind: 'ban', ends_at: null, reason: 'spam' } });
  expect(await v.socket.send({ type: 'message', body: 'hello?' })).toMatchObject({ type: 'error', code: 'banned' });
  const listed = await t.api.get<{ items: { customer_id: number }[] }>(
    `/api/streaming/streams/${f.streamId}/chat/sanctions`,
  );
  expect(listed.body.items.map((s) => s.customer_id)).toEqual([v.customerId]);
  const events = await h.owner('outbox').where({ tenant_id: t.tenantId, type: 'streaming.chat_user_sanctioned' });
  expect(events.map((e: { payload: { kind: string } }) => e.payload.kind)).toEqual(['timeout', 'ban']);

  expect((await t.api.delete(`/api/streaming/streams/${f.streamId}/chat/sanctions/${v.customerId}`)).status).toBe(204);
  expect((await v.socket.send({ type: 'message', body: 'thank you' })).type).toBe('ack');
  expect((await t.api.delete(`/api/streaming/streams/${f.streamId}/chat/sanctions/${v.customerId}`)).status).toBe(404);
});

it('slow mode lets a viewer post once per interval, answering slow_mode with the wait', async () => {
  const f = await createLiveStream(h, t);
  const v = await viewer(f);
  const bad = await t.api.patch(`/api/streaming/streams/${f.streamId}/chat`, { slow_mode_seconds: 121 });
  expect(bad.status).toBe(400);
  const on = await t.api.patch(`/api/streaming/streams/${f.streamId}/chat`, { slow_mode_seconds: 2 });
  expect(on).toMatchObject({ status: 200, body: { slow_mode_seconds: 2 } });
  await v.socket.next((x) => x.type === 'slow_mode' && x.seconds === 2);

  expect((await v.socket.send({ type: 'message', body: 'first' })).type).toBe('ack');
  const second = await v.socket.send({ type: 'message', body: 'second' });
  expect(second).toMatchObject({ type: 'error', code: 'slow_mode', retry_after_seconds: expect.any(Number) });
  // Reactions are not messages: slow mode lets them through.
  const first = (await v.socket.next((x) => x.type === 'message' && x.message.body === 'first')) as {
    message: ChatMessage;
  };
  expect((await v.socket.send({ type: 'react', message_id: first.message.id, emoji: '👏' })).type).toBe('ack');
  await eventually(async () => (await v.socket.send({ type: 'message', body: 'second' })).type === 'ack', {
    timeoutMs: 10_000,
    intervalMs: 250,
    what: 'slow mode to allow the next message',
  });

  const mod = await open(f, { key: t.key });
  expect((await mod.send({ type: 'slow_mode', seconds: null })).type).toBe('ack');
  expect((await v.socket.send({ type: 'message', body: 'third' })).type).toBe('ack');
  expect((await v.socket.send({ type: 'message', body: 'fourth' })).type).toBe('ack');
});

it('a moderator deletes and pins messages; every viewer sees it and the history keeps the deleted one blank', async () => {
  const f = await createLiveStream(h, t);
  const v = await viewer(f);
  const mod = await open(f, { key: t.key });
  const ack = await v.socket.send({ type: 'message', body: 'spoiler: the drummer leaves' });
  const id = ack.type === 'ack' ? (ack.message_id as number) : 0;

  expect((await mod.send({ type: 'pin', message_id: id })).type).toBe('ack');
  await v.socket.next((x) => x.type === 'pinned' && x.message?.id === id);
  expect((await mod.send({ type: 'delete', message_id: id })).type).toBe('ack');
  await v.socket.next((x) => x.type === 'message_deleted' && x.message_id === id);
  await v.socket.next((x) => x.type === 'pinned' && x.message === null);
  expect(await mod.send({ type: 'delete', message_id: id })).toMatchObject({ code: 'message_not_found' });

  const announce = await t.api.post(`/api/streaming/streams/${f.streamId}/chat/messages`, { body: 'Break: 10 min' });
  expect(announce).toMatchObject({ status: 201, body: { author_role: 'moderator', customer_id: null } });
  await v.socket.next((x) => x.type === 'message' && x.message.author_role === 'moderator');
  const pin = await t.api.patch(`/api/streaming/streams/${f.streamId}/chat`, { pinned_message_id: announce.body.id });
  expect(pin.body).toMatchObject({ pinned: { body: 'Break: 10 min' } });

  const visible = await t.api.get<{ items: ChatMessage[] }>(`/api/streaming/streams/${f.streamId}/chat/messages`);
  expect(visible.body.items.map((m) => m.body)).toEqual(['Break: 10 min']);
  const all = await t.api.get<{ items: ChatMessage[] }>(
    `/api/streaming/streams/${f.streamId}/chat/messages?include_deleted=1`,
  );
  expect(all.body.items.map((m) => [m.body, m.deleted])).toEqual([
    ['', true],
    ['Break: 10 min', false],
  ]);
  const gone = await t.api.delete(`/api/streaming/streams/${f.streamId}/chat/messages/${id}`);
  expect(gone.status).toBe(404);
});

it("refuses moderation of another tenant's stream chat with 404", async () => {
  const f = await createLiveStream(h, t);
  const other = await createTenantWithKey(h, 'Other');
  const base = `/api/streaming/streams/${f.streamId}/chat`;
  expect((await other.api.patch(base, { slow_mode_seconds: 5 })).status).toBe(404);
  expect((await other.api.post(`${base}/sanctions`, { customer_id: 1, kind: 'ban' })).status).toBe(404);
  expect((await other.api.post(`${base}/messages`, { body: 'hi' })).status).toBe(404);
  expect((await other.api.get(`${base}/sanctions`)).status).toBe(404);
});
