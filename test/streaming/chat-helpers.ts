import WebSocket from 'ws';
import { createLogger } from '../../lib/logger';
import { startRealtimeServer, type RealtimeServer } from '../../realtime/server';
import type { ChatBroadcast, ChatReply } from '../../domain/streaming/chat-protocol';
import { eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { seedTickets } from '../helpers/checkin';

export type ChatFrame = ChatBroadcast | ChatReply;

/** The realtime server with customer tokens verified and counts pushed every 200 ms. */
export async function startChatRealtime(h: Harness): Promise<RealtimeServer & { url: string }> {
  const server = await startRealtimeServer(
    {
      db: h.db,
      logger: createLogger('realtime-test', process.env.LOG_LEVEL === 'debug' ? 'debug' : 'silent'),
      tokenSecret: h.config.TOKEN_SECRET,
      options: { chatCountsMs: 200 },
    },
    0,
  );
  return { ...server, url: `ws://127.0.0.1:${server.port}` };
}

export interface StreamFixture extends EventFixture {
  streamId: number;
}

/** An event with a virtual ticket type and a live native stream, written straight to the database. */
export async function createLiveStream(h: Harness, t: TenantFixture): Promise<StreamFixture> {
  const f = await createOnSaleEvent(t);
  await h.owner('ticket_types').where({ id: f.ticketTypeId }).update({ attendance: 'virtual' });
  const [stream] = await h
    .owner('streams')
    .insert({
      tenant_id: t.tenantId,
      event_id: f.eventId,
      name: 'Main stage',
      provider: 'native',
      status: 'live',
      scheduled_start_at: new Date(),
      started_at: new Date(),
    })
    .returning<{ id: number }[]>('id');
  return { ...f, streamId: stream.id };
}

/** A new customer of the tenant holding a valid ticket of the stream's event, and a token acting for them. */
export async function ticketHolder(
  h: Harness,
  t: TenantFixture,
  f: StreamFixture,
  name = 'Ada Lovelace',
): Promise<{ customerId: number; token: string; ticketId: number }> {
  const customer = await t.api.post<{ id: number }>('/api/customers', {
    email: `viewer-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`,
    name,
  });
  const [ticket] = await seedTickets(h.owner, t.tenantId, { ...f, customerId: customer.body.id }, 1);
  const token = await t.api.post<{ token: string }>(`/api/customers/${customer.body.id}/tokens`, {});
  if (token.status !== 201) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`);
  return { customerId: customer.body.id, token: token.body.token, ticketId: ticket.id };
}

/** A chat connection that collects every frame the server sends. */
export class ChatSocket {
  readonly frames: ChatFrame[] = [];
  private seq = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as ChatFrame));
  }

  /** Opens the chat; rejects (`Unexpected server response: 401`) when the upgrade is refused. */
  static async connect(url: string): Promise<ChatSocket> {
    const ws = new WebSocket(url);
    const socket = new ChatSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await socket.next((f) => f.type === 'hello');
    return socket;
  }

  /** Sends a message with a fresh `ref` and resolves with the server's answer to it. */
  async send(msg: Record<string, unknown>): Promise<Extract<ChatReply, { type: 'ack' | 'error' }>> {
    const ref = `r${++this.seq}`;
    this.ws.send(JSON.stringify({ ...msg, ref }));
    return this.next(
      (f): f is Extract<ChatReply, { type: 'ack' | 'error' }> =>
        (f.type === 'ack' || f.type === 'error') && f.ref === ref,
    );
  }

  next<T extends ChatFrame>(match: (f: ChatFrame) => f is T, timeoutMs?: number): Promise<T>;
  next(match: (f: ChatFrame) => boolean, timeoutMs?: number): Promise<ChatFrame>;
  // Generous: on a loaded two-core CI machine a first reply once took over 10 s; a lost reply still fails.
  next(match: (f: ChatFrame) => boolean, timeoutMs = 30_000): Promise<ChatFrame> {
    return eventually(async () => this.frames.find(match), { timeoutMs, intervalMs: 10, what: 'a chat frame' });
  }

  close(): Promise<void> {
    if (this.ws.readyState === 3 /* CLOSED */) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

export const chatUrl = (rtUrl: string, streamId: number, credential: { token?: string; key?: string }): string =>
  `${rtUrl}/api/streaming/streams/${streamId}/chat/socket?${new URLSearchParams(credential as Record<string, string>)}`;
