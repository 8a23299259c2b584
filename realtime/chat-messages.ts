import type uWS from 'uWebSockets.js';
import { withTenant, type Db, type Tx } from '../db/connection';
import {
  isRefusal,
  pinChatMessage,
  postChatMessage,
  reactInChat,
  removeChatMessage,
  sanctionInChat,
  setSlowMode,
  type Refusal,
} from '../db/streaming/chat-commands';
import { ChatClientMessage, type ChatReply } from '../domain/streaming/chat-protocol';
import type { Logger } from '../lib/logger';

export interface ChatSocketData {
  tenantId: string;
  streamId: number;
  eventId: number;
  /** null: tenant staff (moderator). */
  customerId: number | null;
  /** The viewer's display name in chat, read when the socket opened. */
  authorName?: string;
  /** Sent when the socket opens, then dropped. */
  hello?: ChatReply;
  closed: boolean;
}

/** Frames above this close the connection (uWebSockets.js refuses them itself). */
export const MAX_CHAT_FRAME_BYTES = 4096;
const MODERATOR_NAME = 'Moderator';

type Ack = { ack: number | null };
type Outcome = Ack | Refusal;

function reply(ws: uWS.WebSocket<ChatSocketData>, msg: ChatReply): void {
  if (!ws.getUserData().closed) ws.cork(() => ws.send(JSON.stringify(msg)));
}

const errorReply = (ref: string | null, r: Refusal): ChatReply => ({
  type: 'error',
  ref,
  code: r.refused,
  message: r.message,
  ...(r.retryAfterSeconds !== undefined ? { retry_after_seconds: r.retryAfterSeconds } : {}),
  ...(r.until ? { until: r.until } : {}),
});

/** One client message: validated, decided in its tenant's transaction, answered with an ack or a coded error. */
export async function handleChatMessage(
  db: Db,
  logger: Logger,
  ws: uWS.WebSocket<ChatSocketData>,
  raw: ArrayBuffer,
): Promise<void> {
  const data = ws.getUserData();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    return reply(ws, { type: 'error', ref: null, code: 'invalid_message', message: 'Send one JSON object' });
  }
  const parsed = ChatClientMessage.safeParse(json);
  if (!parsed.success) {
    const ref = (json as { ref?: unknown } | null)?.ref;
    return reply(ws, {
      type: 'error',
      ref: typeof ref === 'string' ? ref : null,
      code: 'invalid_message',
      message: parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '),
    });
  }
  const msg = parsed.data;
  const ref = msg.ref ?? null;
  const moderator = data.customerId === null;
  if (!moderator && msg.type !== 'message' && msg.type !== 'react')
    return reply(ws, { type: 'error', ref, code: 'forbidden', message: 'Only moderators may do this' });
  try {
    const outcome = await withTenant(db, data.tenantId, (tx) => decide(tx, data, msg));
    reply(ws, isRefusal(outcome) ? errorReply(ref, outcome) : { type: 'ack', ref, message_id: outcome.ack });
  } catch (err) {
    logger.error({ err }, 'chat message failed');
    reply(ws, { type: 'error', ref, code: 'unavailable', message: 'Not recorded; try again' });
  }
}

async function decide(tx: Tx, data: ChatSocketData, msg: ChatClientMessage): Promise<Outcome> {
  const { tenantId, streamId, customerId, authorName } = data;
  const done = (x: unknown, id: number | null = null): Outcome => (isRefusal(x) ? x : { ack: id });
  switch (msg.type) {
    case 'message': {
      const actor =
        customerId === null
          ? { role: 'moderator' as const, name: MODERATOR_NAME }
          : { role: 'viewer' as const, customerId, name: authorName };
      const posted = await postChatMessage(tx, tenantId, streamId, actor, {
        body: msg.body,
        replyToId: msg.reply_to_id,
      });
      return isRefusal(posted) ? posted : { ack: posted.id };
    }
    case 'react':
      return done(
        await reactInChat(tx, tenantId, streamId, customerId as number, {
          messageId: msg.message_id,
          emoji: msg.emoji,
          remove: msg.remove,
        }),
        msg.message_id,
      );
    case 'delete':
      return done(await removeChatMessage(tx, tenantId, streamId, msg.message_id), msg.message_id);
    case 'sanction':
      return done(
        await sanctionInChat(tx, tenantId, streamId, {
          customerId: msg.customer_id,
          kind: msg.kind,
          durationSeconds: msg.duration_seconds,
          reason: msg.reason,
        }),
      );
    case 'slow_mode':
      await setSlowMode(tx, tenantId, streamId, msg.seconds);
      return { ack: null };
    case 'pin':
      return done(await pinChatMessage(tx, tenantId, streamId, msg.message_id), msg.message_id);
  }
}
