import WebSocket from 'ws';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import type { ChatBroadcast, ChatMessage } from '../../domain/streaming/chat-protocol';
import {
  ChatSocket,
  chatUrl,
  createLiveStream,
  startChatRealtime,
  ticketHolder,
  type ChatFrame,
  type StreamFixture,
} from './chat-helpers';

jest.setTimeout(60_000);

let h: Harness;
let t: TenantFixture;
let rt: Awaited<ReturnType<typeof startChatRealtime>>;
let f: StreamFixture;
const sockets: ChatSocket[] = [];

const open = async (cred: { token?: string; key?: string }, streamId = f.streamId): Promise<ChatSocket> => {
  const s = await ChatSocket.connect(chatUrl(rt.url, streamId, cred));
  sockets.push(s);
  return s;
};
const isMessage =
  (body: string) =>
  (x: ChatFrame): x is Extract<ChatBroadcast, { type: 'message' }> =>
    x.type === 'message' && x.message.body === body;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
  rt = await startChatRealtime(h);
  f = await createLiveStream(h, t);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await rt?.stop();
  await h?.stop();
});

it("shows a viewer's message, a reply and a reaction to another viewer, and keeps them for the replay", async () => {
  const ada = await ticketHolder(h, t, f, 'Ada Lovelace');
  const bob = await ticketHolder(h, t, f, 'Bob Marley');
  const a = await open({ token: ada.token });
  const b = await open({ token: bob.token });

  const ack = await a.send({ type: 'message', body: 'Hello from the front row' });
  expect(ack).toMatchObject({ type: 'ack', message_id: expect.any(Number) });
  const seen = await b.next(isMessage('Hello from the front row'));
  expect(seen.message).toMatchObject({ author_name: 'Ada L.', author_role: 'viewer', customer_id: ada.customerId });

  const reply = await b.send({ type: 'message', body: 'Hi Ada!', reply_to_id: ack.type === 'ack' && ack.message_id });
  expect(reply.type).toBe('ack');
  expect((await a.next(isMessage('Hi Ada!'))).message.reply_to_id).toBe(seen.message.id);

  expect((await b.send({ type: 'react', message_id: seen.message.id, emoji: '🔥' })).type).toBe('ack');
  const reacted = await a.next((x) => x.type === 'reactions' && x.message_id === seen.message.id);
  expect(reacted).toMatchObject({ reactions: { '🔥': 1 } });

  const history = await t.api.get<{ items: ChatMessage[] }>(`/api/streaming/streams/${f.streamId}/chat/messages`);
  expect(history.status).toBe(200);
  expect(history.body.items.map((m) => m.body)).toEqual(['Hello from the front row', 'Hi Ada!']);
  expect(history.body.items[0].reactions).toEqual({ '🔥': 1 });
  // What viewers saw live is the message as stored, to the millisecond.
  expect({ ...history.body.items[0], reactions: {} }).toEqual(seen.message);

  // A viewer joining later gets the recent messages in its welcome.
  const late = await open({ token: (await ticketHolder(h, t, f, 'Cy')).token });
  const hello = late.frames.find((x) => x.type === 'hello');
  expect(hello?.type === 'hello' && hello.recent.map((m) => m.body)).toEqual(['Hello from the front row', 'Hi Ada!']);
});

it('refuses to open the chat without a ticket for the stream, or with another tenant', async () => {
  const stranger = await t.api.post<{ id: number }>('/api/customers', {
    email: `s-${Date.now()}@example.com`,
    name: 'S',
  });
  const token = await t.api.post<{ token: string }>(`/api/customers/${stranger.body.id}/tokens`, {});
  await expect(open({ token: token.body.token })).rejects.toThrow('401');
  await expect(open({ token: 'not-a-token' })).rejects.toThrow('401');

  const other = await createTenantWithKey(h, 'Other tenant');
  const otherStream = await createLiveStream(h, other);
  const holder = await ticketHolder(h, t, f);
  // A ticket holder of this tenant, and this tenant's key, cannot open another tenant's stream chat.
  await expect(open({ token: holder.token }, otherStream.streamId)).rejects.toThrow('401');
  await expect(open({ key: t.key }, otherStream.streamId)).rejects.toThrow('401');
  const otherHolder = await ticketHolder(h, other, otherStream);
  await expect(open({ token: otherHolder.token })).rejects.toThrow('401');
  // And over the API, another tenant's stream chat answers 404.
  expect((await other.api.get(`/api/streaming/streams/${f.streamId}/chat/messages`)).status).toBe(404);
});

it('refuses messages once the ticket is cancelled (refunded)', async () => {
  const holder = await ticketHolder(h, t, f);
  const s = await open({ token: holder.token });
  expect((await s.send({ type: 'message', body: 'still here' })).type).toBe('ack');
  await h.owner('tickets').where({ id: holder.ticketId }).update({ status: 'cancelled' });
  expect(await s.send({ type: 'message', body: 'gone?' })).toMatchObject({ type: 'error', code: 'access_lost' });
});

it('counts viewers and messages for the organiser, on the socket and over the API', async () => {
  const g = await createLiveStream(h, t);
  const one = await open({ token: (await ticketHolder(h, t, g)).token }, g.streamId);
  await open({ token: (await ticketHolder(h, t, g)).token }, g.streamId);
  expect((await one.send({ type: 'message', body: 'counting' })).type).toBe('ack');
  const counts = await one.next((x) => x.type === 'counts' && x.viewers === 2 && x.messages_total === 1);
  expect(counts).toMatchObject({ chatters_5m: 1, messages_1m: 1 });
  const api = await t.api.get(`/api/streaming/streams/${g.streamId}/chat`);
  expect(api.body).toMatchObject({ viewers: 2, chatters_5m: 1, messages_total: 1 });
});

it('answers malformed frames and viewer attempts at moderation with a coded error', async () => {
  const s = await open({ token: (await ticketHolder(h, t, f)).token });
  expect(await s.send({ type: 'message', body: '' })).toMatchObject({ type: 'error', code: 'invalid_message' });
  expect(await s.send({ type: 'slow_mode', seconds: 5 })).toMatchObject({ type: 'error', code: 'forbidden' });
  expect(await s.send({ type: 'react', message_id: 999_999, emoji: '👍' })).toMatchObject({
    type: 'error',
    code: 'message_not_found',
  });
});

it("pushes the stream's viewer and chat counts to the organiser's live dashboard socket of its event", async () => {
  const g = await createLiveStream(h, t);
  await open({ token: (await ticketHolder(h, t, g)).token }, g.streamId);
  const dashboard = new WebSocket(`${rt.url}/api/checkin/events/${g.eventId}/live?key=${encodeURIComponent(t.key)}`);
  const frames: { type: string; stream_id?: number; viewers?: number }[] = [];
  dashboard.on('message', (d) => frames.push(JSON.parse(d.toString()) as (typeof frames)[number]));
  try {
    await eventually(
      async () => frames.find((x) => x.type === 'stream_counts' && x.stream_id === g.streamId && x.viewers === 1),
      {
        what: 'stream counts on the dashboard socket',
      },
    );
  } finally {
    dashboard.close();
  }
});
