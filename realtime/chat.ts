import { randomUUID } from 'node:crypto';
import type uWS from 'uWebSockets.js';
import type { ClientBase, Notification } from 'pg';
import { withTenant, type Db, type Tx } from '../db/connection';
import { isModuleEnabled } from '../db/platform/modules';
import { streamAccessTicket } from '../db/streaming/access';
import { chatAuthorName } from '../db/streaming/chat-commands';
import {
  CHAT_CHANNEL,
  getChatMessage,
  getChatState,
  getChatStream,
  listChatMessages,
  type ChatNotification,
} from '../db/streaming/chat';
import { chatCounts, reportPresence } from '../db/streaming/chat-counts';
import { apiKeyByHash } from '../db/tenants/keys';
import { hashApiKey, isApiKey, verifyCustomerToken } from '../lib/credentials';
import type { Logger } from '../lib/logger';
import { chatTopic, type ChatBroadcast, type ChatCounts, type ChatReply } from '../domain/streaming/chat-protocol';
import { handleChatMessage, MAX_CHAT_FRAME_BYTES, type ChatSocketData } from './chat-messages';
import { liveTopic } from './live';

export interface ChatOptions {
  /** How often viewer counts are reported to Postgres and pushed to sockets and dashboards. */
  countsMs: number;
}

const RECENT_ON_JOIN = 50;

interface Watched {
  tenantId: string;
  streamId: number;
  eventId: number;
  sockets: number;
  reported: number;
}

/** A chat's counts as the organiser's live dashboard of the stream's event receives them. */
export interface StreamCountsForDashboard extends Omit<ChatCounts, 'type'> {
  type: 'stream_counts';
  event_id: number;
}

/**
 * Chat per stream on uWebSockets.js pub/sub. Every change is written and announced with `pg_notify` in one
 * transaction (db/streaming/chat-commands.ts, by this server or the API); each realtime node listens and
 * publishes it to the stream's topic, so viewers on every node see it once it is durable. Viewer counts per
 * node are reported to Postgres and summed.
 */
export class ChatHub {
  private readonly nodeId = randomUUID();
  private readonly watched = new Map<string, Watched>();
  private listener?: ClientBase;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  readonly sockets = new Set<uWS.WebSocket<ChatSocketData>>();

  constructor(
    private readonly app: uWS.TemplatedApp,
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly tokenSecret: string | undefined,
    private readonly opts: ChatOptions,
  ) {}

  /** Scans and health do not wait for chat: without Postgres now, the listener keeps trying in the background. */
  async start(): Promise<void> {
    await this.listen().catch((err: unknown) => this.relisten(err, 'chat listener unavailable; retrying'));
    this.timer = setInterval(() => void this.report(), this.opts.countsMs);
  }

  private relisten(err: unknown, message: string): void {
    this.logger.warn({ err }, message);
    if (!this.stopped)
      setTimeout(
        () => void this.listen().catch((e: unknown) => this.relisten(e, 'chat listener unavailable; retrying')),
        1000,
      ).unref();
  }

  /** A pooled connection held for LISTEN; a lost one is replaced. */
  private async listen(): Promise<void> {
    if (this.stopped) return;
    const conn = (await this.db.client.acquireConnection()) as ClientBase;
    conn.on('notification', (n: Notification) => this.onNotification(n));
    conn.once('error', (err: Error) => {
      void this.db.client.releaseConnection(conn);
      this.relisten(err, 'chat listener lost; reconnecting');
    });
    await conn.query(`listen ${CHAT_CHANNEL}`);
    this.listener = conn;
  }

  private onNotification(n: Notification): void {
    if (n.channel !== CHAT_CHANNEL || !n.payload) return;
    const { tenant_id, stream_id, broadcast } = JSON.parse(n.payload) as ChatNotification;
    this.app.publish(chatTopic(tenant_id, stream_id), JSON.stringify(broadcast));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const ws of [...this.sockets]) ws.end(1001, 'server shutting down');
    await this.report().catch(() => undefined);
    if (this.listener) {
      await this.listener.query(`unlisten ${CHAT_CHANNEL}`).catch(() => undefined);
      await this.db.client.releaseConnection(this.listener);
    }
  }

  /** Who may open the chat: a ticket holder (customer token) or tenant staff (API key with write scope). */
  async authorise(streamId: number, token: string, key: string): Promise<ChatSocketData | undefined> {
    if (!Number.isSafeInteger(streamId) || streamId <= 0) return undefined;
    if (key) {
      if (!isApiKey(key)) return undefined;
      const auth = await apiKeyByHash(this.db, hashApiKey(key));
      if (!auth?.scopes.some((s) => s === 'write' || s === 'admin')) return undefined;
      return this.admit(auth.tenant_id, streamId, null);
    }
    const claims = token && this.tokenSecret ? await verifyCustomerToken(this.tokenSecret, token) : undefined;
    return claims && this.admit(claims.tenantId, streamId, claims.customerId);
  }

  private admit(tenantId: string, streamId: number, customerId: number | null): Promise<ChatSocketData | undefined> {
    return withTenant(this.db, tenantId, async (tx) => {
      const stream = await getChatStream(tx, streamId);
      if (!stream || !(await isModuleEnabled(tx, 'streaming', stream.event_id))) return undefined;
      let authorName: string | undefined;
      if (customerId !== null) {
        const ticket = await streamAccessTicket(tx, { tenantId, streamId, customerId, now: new Date() });
        if (!ticket) return undefined;
        authorName = await chatAuthorName(tx, customerId);
      }
      const hello = await this.hello(tx, streamId, customerId);
      return { tenantId, streamId, eventId: stream.event_id, customerId, authorName, hello, closed: false };
    });
  }

  private async hello(tx: Tx, streamId: number, customerId: number | null): Promise<ChatReply> {
    const state = await getChatState(tx, streamId);
    return {
      type: 'hello',
      stream_id: streamId,
      role: customerId === null ? 'moderator' : 'viewer',
      customer_id: customerId,
      slow_mode_seconds: state.slow_mode_seconds,
      pinned: state.pinned_message_id ? ((await getChatMessage(tx, streamId, state.pinned_message_id)) ?? null) : null,
      recent: await listChatMessages(tx, streamId, { limit: RECENT_ON_JOIN, includeDeleted: false }),
    };
  }

  opened(ws: uWS.WebSocket<ChatSocketData>): void {
    const data = ws.getUserData();
    this.sockets.add(ws);
    ws.subscribe(chatTopic(data.tenantId, data.streamId));
    ws.send(JSON.stringify(data.hello));
    data.hello = undefined;
    const key = chatTopic(data.tenantId, data.streamId);
    const w = this.watched.get(key) ?? { ...data, sockets: 0, reported: -1 };
    w.sockets += data.customerId === null ? 0 : 1;
    this.watched.set(key, w);
  }

  closed(ws: uWS.WebSocket<ChatSocketData>): void {
    const data = ws.getUserData();
    data.closed = true;
    this.sockets.delete(ws);
    const w = this.watched.get(chatTopic(data.tenantId, data.streamId));
    if (w && data.customerId !== null) w.sockets--;
  }

  message(ws: uWS.WebSocket<ChatSocketData>, raw: ArrayBuffer): void {
    void handleChatMessage(this.db, this.logger, ws, raw);
  }

  /** Reports this node's viewers per stream and pushes each watched stream's counts. */
  private async report(): Promise<void> {
    const byTenant = new Map<string, Watched[]>();
    for (const [key, w] of this.watched) {
      if (!w.sockets && w.reported === 0 && !this.app.numSubscribers(key)) {
        this.watched.delete(key);
        continue;
      }
      byTenant.set(w.tenantId, [...(byTenant.get(w.tenantId) ?? []), w]);
    }
    for (const [tenantId, list] of byTenant) {
      try {
        const counts = await withTenant(this.db, tenantId, async (tx) => {
          await reportPresence(
            tx,
            tenantId,
            this.nodeId,
            list.map((w) => ({ streamId: w.streamId, viewers: w.sockets })),
          );
          const out = [];
          // One transaction, one connection: one query at a time.
          for (const w of list) out.push({ w, c: await chatCounts(tx, w.streamId) });
          return out;
        });
        const at = new Date().toISOString();
        for (const { w, c } of counts) {
          w.reported = w.sockets;
          const msg: ChatBroadcast = { type: 'counts', stream_id: w.streamId, ...c, at };
          this.app.publish(chatTopic(tenantId, w.streamId), JSON.stringify(msg));
          const dashboard: StreamCountsForDashboard = {
            ...c,
            type: 'stream_counts',
            stream_id: w.streamId,
            event_id: w.eventId,
            at,
          };
          this.app.publish(liveTopic(tenantId, w.eventId), JSON.stringify(dashboard));
        }
      } catch (err) {
        this.logger.error({ err, tenantId }, 'chat counts failed');
      }
    }
  }
}

type Upgrade = (
  res: uWS.HttpResponse,
  req: uWS.HttpRequest,
  context: uWS.us_socket_context_t,
  authorise: () => Promise<ChatSocketData | undefined>,
) => void;

/**
 * `/api/streaming/streams/:id/chat/socket`: a ticket holder connects with `?token=<customer token>`, tenant staff with
 * `?key=<API key>` (browsers' WebSocket clients cannot set headers). Anything else answers 401 before upgrading.
 */
export function serveChat(app: uWS.TemplatedApp, hub: ChatHub, upgrade: Upgrade): void {
  app.ws<ChatSocketData>('/api/streaming/streams/:id/chat/socket', {
    maxPayloadLength: MAX_CHAT_FRAME_BYTES,
    idleTimeout: 120,
    maxBackpressure: 1024 * 1024,
    upgrade: (res, req, context) => {
      const streamId = Number(req.getParameter(0));
      const query = new URLSearchParams(req.getQuery() ?? '');
      const token = query.get('token') ?? '';
      const key = query.get('key') ?? '';
      upgrade(res, req, context, () => hub.authorise(streamId, token, key));
    },
    open: (ws) => hub.opened(ws),
    message: (ws, message) => hub.message(ws, message),
    close: (ws) => hub.closed(ws),
  });
}
