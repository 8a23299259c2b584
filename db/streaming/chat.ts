import type { Tx } from '../connection';
import { streamAccessTicketSql, streamAccessBindings, type StreamAccessQuery } from './access';
import type { StreamingSettings } from '../../domain/streaming/settings';
import type { ChatBroadcast, ChatMessage } from '../../domain/streaming/chat-protocol';
import type { Sanction } from '../../domain/streaming/chat';

/** Postgres channel every realtime node listens on: chat changes reach the sockets of every node through it. */
export const CHAT_CHANNEL = 'usher_streaming_chat';

export interface ChatNotification {
  tenant_id: string;
  stream_id: number;
  broadcast: ChatBroadcast;
}

export interface ChatStreamRow {
  id: number;
  event_id: number;
  status: 'scheduled' | 'live' | 'ended';
}

/** The stream a chat belongs to (row-level security hides other tenants'). */
export async function getChatStream(tx: Tx, streamId: number): Promise<ChatStreamRow | undefined> {
  return tx('streams').where({ id: streamId }).first('id', 'event_id', 'status');
}

/** Sent when the transaction commits, so a rolled-back change is never shown. */
export async function notifyChat(tx: Tx, tenantId: string, streamId: number, broadcast: ChatBroadcast): Promise<void> {
  const payload: ChatNotification = { tenant_id: tenantId, stream_id: streamId, broadcast };
  await tx.raw('select pg_notify(?, ?)', [CHAT_CHANNEL, JSON.stringify(payload)]);
}

const MESSAGE_VIEW = `
  m.id, m.stream_id, m.customer_id, m.author_name, m.author_role,
  case when m.deleted_at is null then m.body else '' end as body,
  m.reply_to_id, m.deleted_at is not null as deleted, m.created_at,
  coalesce((select jsonb_object_agg(r.emoji, r.n) from (
     select emoji, count(*)::int as n from stream_chat_reactions where message_id = m.id group by emoji) r), '{}') as reactions`;

interface MessageRow extends Omit<ChatMessage, 'created_at'> {
  created_at: Date;
}
const toMessage = (r: MessageRow): ChatMessage => ({ ...r, created_at: r.created_at.toISOString() });

export async function getChatMessage(tx: Tx, streamId: number, id: number): Promise<ChatMessage | undefined> {
  const { rows } = await tx.raw<{ rows: MessageRow[] }>(
    `select ${MESSAGE_VIEW} from stream_chat_messages m where m.stream_id = ? and m.id = ?`,
    [streamId, id],
  );
  return rows[0] && toMessage(rows[0]);
}

/** History oldest first: after a message id (paging forward through a replay) or the last `limit`. */
export async function listChatMessages(
  tx: Tx,
  streamId: number,
  q: { afterId?: number; beforeId?: number; limit: number; includeDeleted: boolean },
): Promise<ChatMessage[]> {
  const { rows } = await tx.raw<{ rows: MessageRow[] }>(
    `select * from (
       select ${MESSAGE_VIEW} from stream_chat_messages m
        where m.stream_id = :streamId
          and (:afterId::bigint is null or m.id > :afterId) and (:beforeId::bigint is null or m.id < :beforeId)
          and (:includeDeleted or m.deleted_at is null)
        order by m.id ${q.afterId ? 'asc' : 'desc'} limit :limit) page
     order by id`,
    {
      streamId,
      afterId: q.afterId ?? null,
      beforeId: q.beforeId ?? null,
      includeDeleted: q.includeDeleted,
      limit: q.limit,
    },
  );
  return rows.map(toMessage);
}

export interface PosterState {
  /** The tenant's streaming settings. */
  settings: StreamingSettings;
  /** Whether the viewer holds a ticket that opens the stream now (`streamAccessTicket` under those settings). */
  hasTicket: boolean;
  sanctions: Sanction[];
  slowModeSeconds: number | null;
  lastPostAt: Date | null;
}

/** What decides whether a viewer may post now, with the tenant's settings, in one round trip. */
export async function posterState(tx: Tx, q: Omit<StreamAccessQuery, 'defaultReplayHours'>): Promise<PosterState> {
  const { rows } = await tx.raw<{
    rows: {
      settings: StreamingSettings | null;
      has_ticket: boolean;
      sanctions: { kind: 'timeout' | 'ban'; ends_at: string | null }[];
      slow: number | null;
      last: Date | null;
    }[];
  }>(
    `with st as (select settings from tenant_modules where module = 'streaming')
     select
       (select settings from st) as settings,
       exists(${streamAccessTicketSql(
         "coalesce(cast((select settings->>'default_replay_window_hours' from st) as int), :defaultHours)",
       )}) as has_ticket,
       coalesce((select jsonb_agg(jsonb_build_object('kind', kind, 'ends_at', ends_at)) from stream_chat_sanctions
          where stream_id = :streamId and customer_id = :customerId and lifted_at is null
            and (ends_at is null or ends_at > now())), '[]') as sanctions,
       (select slow_mode_seconds from stream_chats where stream_id = :streamId) as slow,
       (select created_at from stream_chat_messages where stream_id = :streamId and customer_id = :customerId
          order by created_at desc limit 1) as last`,
    streamAccessBindings(q),
  );
  const r = rows[0];
  return {
    settings: r.settings ?? {},
    hasTicket: r.has_ticket,
    sanctions: r.sanctions.map((s) => ({ kind: s.kind, endsAt: s.ends_at ? new Date(s.ends_at) : null })),
    slowModeSeconds: r.slow,
    lastPostAt: r.last,
  };
}

export interface NewChatMessage {
  streamId: number;
  customerId: number | null;
  authorName: string;
  authorRole: 'viewer' | 'moderator';
  body: string;
  replyToId: number | null;
}

/**
 * Inserts a message and, in the same statement (one round trip less on the chat's hot path), queues its broadcast
 * to every realtime node for when the transaction commits. The broadcast is the message as `toMessage` shows it.
 */
export async function insertChatMessage(tx: Tx, tenantId: string, m: NewChatMessage): Promise<ChatMessage> {
  const { rows } = await tx.raw<{ rows: MessageRow[] }>(
    `with m as (
       insert into stream_chat_messages (tenant_id, stream_id, customer_id, author_name, author_role, body, reply_to_id)
       values (?, ?, ?, ?, ?, ?, ?)
       returning id, stream_id, customer_id, author_name, author_role, body, reply_to_id, created_at)
     select m.* from m cross join lateral (select pg_notify(?, cast(json_build_object(
       'tenant_id', cast(? as text), 'stream_id', m.stream_id,
       'broadcast', json_build_object('type', 'message', 'message', json_build_object(
         'id', m.id, 'stream_id', m.stream_id, 'customer_id', m.customer_id, 'author_name', m.author_name,
         'author_role', m.author_role, 'body', m.body, 'reply_to_id', m.reply_to_id, 'deleted', false,
         'created_at', to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'reactions', cast('{}' as json)))) as text))) n`,
    [tenantId, m.streamId, m.customerId, m.authorName, m.authorRole, m.body, m.replyToId, CHAT_CHANNEL, tenantId],
  );
  const row = rows[0];
  return toMessage({ ...row, reactions: {}, deleted: false });
}

/** Whether a message exists in the stream and is not deleted (a reply or reaction needs one). */
export async function liveMessageExists(tx: Tx, streamId: number, id: number): Promise<boolean> {
  return !!(await tx('stream_chat_messages').where({ stream_id: streamId, id }).whereNull('deleted_at').first('id'));
}

/** Adds or removes one reaction; answers the message's reaction counts after. */
export async function reactToMessage(
  tx: Tx,
  tenantId: string,
  r: { messageId: number; customerId: number; emoji: string; remove: boolean },
): Promise<Record<string, number>> {
  if (r.remove)
    await tx('stream_chat_reactions')
      .where({ message_id: r.messageId, customer_id: r.customerId, emoji: r.emoji })
      .del();
  else
    await tx('stream_chat_reactions')
      .insert({ tenant_id: tenantId, message_id: r.messageId, customer_id: r.customerId, emoji: r.emoji })
      .onConflict(['message_id', 'customer_id', 'emoji'])
      .ignore();
  const rows = await tx('stream_chat_reactions')
    .where({ message_id: r.messageId })
    .groupBy('emoji')
    .select<{ emoji: string; n: number }[]>('emoji', tx.raw('count(*)::int as n'));
  return Object.fromEntries(rows.map((x) => [x.emoji, x.n]));
}

/** Soft-deletes a message (the replay keeps its place, not its text); false when there is none to delete. */
export async function deleteChatMessage(tx: Tx, streamId: number, id: number): Promise<boolean> {
  const n = await tx('stream_chat_messages')
    .where({ stream_id: streamId, id })
    .whereNull('deleted_at')
    .update({ deleted_at: tx.fn.now() });
  if (n)
    await tx('stream_chats').where({ stream_id: streamId, pinned_message_id: id }).update({ pinned_message_id: null });
  return n > 0;
}

export interface ChatStateRow {
  slow_mode_seconds: number | null;
  pinned_message_id: number | null;
}

export async function getChatState(tx: Tx, streamId: number): Promise<ChatStateRow> {
  const row = await tx('stream_chats').where({ stream_id: streamId }).first('slow_mode_seconds', 'pinned_message_id');
  return row ?? { slow_mode_seconds: null, pinned_message_id: null };
}

export async function updateChatState(
  tx: Tx,
  tenantId: string,
  streamId: number,
  change: Partial<ChatStateRow>,
): Promise<ChatStateRow> {
  const [row] = await tx('stream_chats')
    .insert({ tenant_id: tenantId, stream_id: streamId, ...change })
    .onConflict('stream_id')
    .merge({ ...change, updated_at: tx.fn.now() })
    .returning<ChatStateRow[]>(['slow_mode_seconds', 'pinned_message_id']);
  return row;
}

export interface SanctionRow {
  id: number;
  stream_id: number;
  customer_id: number;
  kind: 'timeout' | 'ban';
  ends_at: Date | null;
  reason: string | null;
  created_at: Date;
}

/** A new sanction replaces the customer's standing ones in that stream. */
export async function sanctionChatUser(
  tx: Tx,
  tenantId: string,
  s: { streamId: number; customerId: number; kind: 'timeout' | 'ban'; endsAt: Date | null; reason: string | null },
): Promise<SanctionRow> {
  await liftSanctions(tx, s.streamId, s.customerId);
  const [row] = await tx('stream_chat_sanctions')
    .insert({
      tenant_id: tenantId,
      stream_id: s.streamId,
      customer_id: s.customerId,
      kind: s.kind,
      ends_at: s.endsAt,
      reason: s.reason,
    })
    .returning<SanctionRow[]>(['id', 'stream_id', 'customer_id', 'kind', 'ends_at', 'reason', 'created_at']);
  return row;
}

/** Lifts what still holds; answers how many sanctions were lifted. */
export async function liftSanctions(tx: Tx, streamId: number, customerId: number): Promise<number> {
  return tx('stream_chat_sanctions')
    .where({ stream_id: streamId, customer_id: customerId })
    .whereNull('lifted_at')
    .andWhere((q) => q.whereNull('ends_at').orWhere('ends_at', '>', tx.fn.now()))
    .update({ lifted_at: tx.fn.now() });
}

/** The sanctions in force in a stream. */
export async function listSanctions(tx: Tx, streamId: number): Promise<SanctionRow[]> {
  return tx('stream_chat_sanctions')
    .where({ stream_id: streamId })
    .whereNull('lifted_at')
    .andWhere((q) => q.whereNull('ends_at').orWhere('ends_at', '>', tx.fn.now()))
    .orderBy('id')
    .select('id', 'stream_id', 'customer_id', 'kind', 'ends_at', 'reason', 'created_at');
}
