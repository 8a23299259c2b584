import type { Tx } from '../connection';
import { getCustomer } from '../customers/customers';
import { emit } from '../platform/outbox';
import {
  activeSanction,
  bannedWordsFor,
  chatDisplayName,
  slowModeWait,
  type ChatRefusal,
} from '../../domain/streaming/chat';
import type { ChatMessage } from '../../domain/streaming/chat-protocol';
import type { StreamingSettings } from '../../domain/streaming/settings';
import {
  deleteChatMessage,
  getChatMessage,
  getChatState,
  insertChatMessage,
  liftSanctions,
  liveMessageExists,
  notifyChat,
  posterState,
  type PosterState,
  reactToMessage,
  sanctionChatUser,
  updateChatState,
  type SanctionRow,
} from './chat';

/**
 * Chat changes as one place decides them, for the realtime socket and the API alike: each checks, writes,
 * and notifies every realtime node in the caller's transaction (so nothing shows unless it committed).
 */

/** A viewer's `name` is their display name when the caller already knows it (the realtime socket reads it once). */
export type ChatActor = { role: 'viewer'; customerId: number; name?: string } | { role: 'moderator'; name: string };

export interface Refusal {
  refused: ChatRefusal;
  message: string;
  retryAfterSeconds?: number;
  until?: string;
}

const refuse = (refused: ChatRefusal, message: string, extra: Omit<Refusal, 'refused' | 'message'> = {}): Refusal => ({
  refused,
  message,
  ...extra,
});

export const isRefusal = (x: unknown): x is Refusal => typeof x === 'object' && x !== null && 'refused' in x;

/**
 * Why this viewer may not post in this stream now, or undefined (ticket, sanction, slow mode), with the tenant's
 * streaming settings read in the same round trip: round trips are what a post waits for.
 */
export async function viewerRefusal(
  tx: Tx,
  tenantId: string,
  streamId: number,
  customerId: number,
  now: Date,
): Promise<{ refusal?: Refusal; settings: StreamingSettings }> {
  const state = await posterState(tx, { tenantId, streamId, customerId, now });
  return { refusal: posterRefusal(state, now), settings: state.settings };
}

function posterRefusal(state: PosterState, now: Date): Refusal | undefined {
  if (!state.hasTicket) return refuse('access_lost', 'Your ticket no longer opens this stream');
  const sanction = activeSanction(state.sanctions, now);
  if (sanction?.kind === 'ban') return refuse('banned', 'A moderator banned you from this chat');
  if (sanction?.endsAt)
    return refuse('timed_out', 'A moderator timed you out of this chat', {
      until: sanction.endsAt.toISOString(),
      retryAfterSeconds: Math.ceil((sanction.endsAt.getTime() - now.getTime()) / 1000),
    });
  const wait = slowModeWait(state.slowModeSeconds, state.lastPostAt, now);
  if (wait)
    return refuse('slow_mode', `Slow mode is on: one message every ${state.slowModeSeconds} s`, {
      retryAfterSeconds: wait,
    });
  return undefined;
}

/** How a viewer is named in chat. */
export async function chatAuthorName(tx: Tx, customerId: number): Promise<string> {
  return chatDisplayName((await getCustomer(tx, customerId))?.name ?? '', customerId);
}

export async function postChatMessage(
  tx: Tx,
  tenantId: string,
  streamId: number,
  actor: ChatActor,
  input: { body: string; replyToId?: number },
  now = new Date(),
): Promise<ChatMessage | Refusal> {
  let authorName: string;
  if (actor.role === 'viewer') {
    const { refusal, settings } = await viewerRefusal(tx, tenantId, streamId, actor.customerId, now);
    if (refusal) return refusal;
    if (bannedWordsFor(settings.chat_banned_words ?? [], settings.chat_profanity_filter ?? true).matches(input.body))
      return refuse('banned_word', 'The message contains a word this chat does not allow');
    authorName = actor.name ?? (await chatAuthorName(tx, actor.customerId));
  } else authorName = actor.name;
  if (input.replyToId && !(await liveMessageExists(tx, streamId, input.replyToId)))
    return refuse('reply_not_found', 'The message replied to does not exist or was deleted');
  const message = await insertChatMessage(tx, tenantId, {
    streamId,
    customerId: actor.role === 'viewer' ? actor.customerId : null,
    authorName,
    authorRole: actor.role,
    body: input.body,
    replyToId: input.replyToId ?? null,
  });
  return message;
}

export async function reactInChat(
  tx: Tx,
  tenantId: string,
  streamId: number,
  customerId: number,
  r: { messageId: number; emoji: string; remove: boolean },
  now = new Date(),
): Promise<Record<string, number> | Refusal> {
  const { refusal } = await viewerRefusal(tx, tenantId, streamId, customerId, now);
  // Slow mode limits messages, not reactions.
  if (refusal && refusal.refused !== 'slow_mode') return refusal;
  if (!(await liveMessageExists(tx, streamId, r.messageId)))
    return refuse('message_not_found', 'No such message in this chat');
  const reactions = await reactToMessage(tx, tenantId, { ...r, customerId });
  await notifyChat(tx, tenantId, streamId, { type: 'reactions', message_id: r.messageId, reactions });
  return reactions;
}

export async function removeChatMessage(
  tx: Tx,
  tenantId: string,
  streamId: number,
  messageId: number,
): Promise<true | Refusal> {
  const pinned = (await getChatState(tx, streamId)).pinned_message_id === messageId;
  if (!(await deleteChatMessage(tx, streamId, messageId)))
    return refuse('message_not_found', 'No such message in this chat');
  await notifyChat(tx, tenantId, streamId, { type: 'message_deleted', message_id: messageId });
  if (pinned) await notifyChat(tx, tenantId, streamId, { type: 'pinned', message: null });
  return true;
}

export async function sanctionInChat(
  tx: Tx,
  tenantId: string,
  streamId: number,
  s: { customerId: number; kind: 'timeout' | 'ban'; durationSeconds?: number; reason?: string },
  now = new Date(),
): Promise<SanctionRow | Refusal> {
  if (!(await getCustomer(tx, s.customerId))) return refuse('customer_not_found', 'No such customer');
  const endsAt = s.kind === 'timeout' ? new Date(now.getTime() + (s.durationSeconds ?? 300) * 1000) : null;
  const row = await sanctionChatUser(tx, tenantId, {
    streamId,
    customerId: s.customerId,
    kind: s.kind,
    endsAt,
    reason: s.reason ?? null,
  });
  const endsIso = row.ends_at ? row.ends_at.toISOString() : null;
  await emit(tx, tenantId, {
    type: 'streaming.chat_user_sanctioned',
    aggregateType: 'stream',
    aggregateId: streamId,
    payload: { stream_id: streamId, customer_id: s.customerId, kind: s.kind, ends_at: endsIso, reason: row.reason },
  });
  await notifyChat(tx, tenantId, streamId, {
    type: 'user_sanctioned',
    customer_id: s.customerId,
    kind: s.kind,
    ends_at: endsIso,
  });
  return row;
}

/** Lifts a customer's time-out or ban; false when none held. */
export async function liftChatSanction(
  tx: Tx,
  tenantId: string,
  streamId: number,
  customerId: number,
): Promise<boolean> {
  if (!(await liftSanctions(tx, streamId, customerId))) return false;
  await emit(tx, tenantId, {
    type: 'streaming.chat_user_unsanctioned',
    aggregateType: 'stream',
    aggregateId: streamId,
    payload: { stream_id: streamId, customer_id: customerId },
  });
  await notifyChat(tx, tenantId, streamId, {
    type: 'user_sanctioned',
    customer_id: customerId,
    kind: 'lifted',
    ends_at: null,
  });
  return true;
}

export async function setSlowMode(tx: Tx, tenantId: string, streamId: number, seconds: number | null): Promise<void> {
  await updateChatState(tx, tenantId, streamId, { slow_mode_seconds: seconds });
  await notifyChat(tx, tenantId, streamId, { type: 'slow_mode', seconds });
}

export async function pinChatMessage(
  tx: Tx,
  tenantId: string,
  streamId: number,
  messageId: number | null,
): Promise<ChatMessage | null | Refusal> {
  const message = messageId === null ? null : await getChatMessage(tx, streamId, messageId);
  if (message === undefined || message?.deleted) return refuse('message_not_found', 'No such message in this chat');
  await updateChatState(tx, tenantId, streamId, { pinned_message_id: messageId });
  await notifyChat(tx, tenantId, streamId, { type: 'pinned', message });
  return message;
}
