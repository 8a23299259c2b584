import { z } from 'zod';
import {
  CHAT_REACTIONS,
  CHAT_REFUSALS,
  MAX_CHAT_MESSAGE_LENGTH,
  SLOW_MODE_MAX_SECONDS,
  SLOW_MODE_MIN_SECONDS,
} from './chat';

/**
 * The stream chat's wire format, shared by the realtime socket, the API and the viewer page: every socket
 * message is one JSON object with a `type`. Client messages are validated with these schemas.
 */

export const ClientRef = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, 'letters, digits and . : _ -')
  .meta({ description: 'Chosen by the client; the reply (ack or error) carries it back' });

const Id = z.number().int().positive();

export const SendChatMessage = z.strictObject({
  type: z.literal('message'),
  ref: ClientRef.optional(),
  body: z.string().trim().min(1).max(MAX_CHAT_MESSAGE_LENGTH),
  reply_to_id: Id.optional(),
});
export const ReactChatMessage = z.strictObject({
  type: z.literal('react'),
  ref: ClientRef.optional(),
  message_id: Id,
  emoji: z.enum(CHAT_REACTIONS),
  remove: z.boolean().default(false),
});
/** Moderator actions: only a socket opened with a tenant API key (write scope) may send these. */
export const DeleteChatMessage = z.strictObject({
  type: z.literal('delete'),
  ref: ClientRef.optional(),
  message_id: Id,
});
export const SanctionChatUser = z.strictObject({
  type: z.literal('sanction'),
  ref: ClientRef.optional(),
  customer_id: Id,
  kind: z.enum(['timeout', 'ban']),
  duration_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional()
    .meta({ description: 'For a time-out (default 300 s); a ban lasts until lifted' }),
  reason: z.string().trim().max(500).optional(),
});
export const SetSlowMode = z.strictObject({
  type: z.literal('slow_mode'),
  ref: ClientRef.optional(),
  seconds: z.number().int().min(SLOW_MODE_MIN_SECONDS).max(SLOW_MODE_MAX_SECONDS).nullable(),
});
export const PinChatMessage = z.strictObject({
  type: z.literal('pin'),
  ref: ClientRef.optional(),
  message_id: Id.nullable().meta({ description: 'null unpins' }),
});

export const ChatClientMessage = z.discriminatedUnion('type', [
  SendChatMessage,
  ReactChatMessage,
  DeleteChatMessage,
  SanctionChatUser,
  SetSlowMode,
  PinChatMessage,
]);
export type ChatClientMessage = z.infer<typeof ChatClientMessage>;

export const ChatMessage = z
  .object({
    id: z.number().int(),
    stream_id: z.number().int(),
    customer_id: z.number().int().nullable().meta({ description: 'null for a moderator' }),
    author_name: z.string(),
    author_role: z.enum(['viewer', 'moderator']),
    body: z.string(),
    reply_to_id: z.number().int().nullable(),
    reactions: z.record(z.string(), z.number().int()),
    deleted: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: 'StreamChatMessage' });
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChatCounts = z
  .object({
    type: z.literal('counts'),
    stream_id: z.number().int(),
    viewers: z.number().int().meta({ description: 'Viewer pages connected to the chat now, over every realtime node' }),
    chatters_5m: z.number().int().meta({ description: 'Distinct viewers who posted in the last five minutes' }),
    messages_1m: z.number().int().meta({ description: 'Messages in the last minute' }),
    messages_total: z.number().int(),
    at: z.string(),
  })
  .meta({ id: 'StreamChatCounts' });
export type ChatCounts = z.infer<typeof ChatCounts>;

/** What every socket of a stream receives. */
export const ChatBroadcast = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), message: ChatMessage }),
  z.object({ type: z.literal('message_deleted'), message_id: z.number().int() }),
  z.object({ type: z.literal('reactions'), message_id: z.number().int(), reactions: z.record(z.string(), z.number()) }),
  z.object({ type: z.literal('pinned'), message: ChatMessage.nullable() }),
  z.object({ type: z.literal('slow_mode'), seconds: z.number().int().nullable() }),
  z.object({
    type: z.literal('user_sanctioned'),
    customer_id: z.number().int(),
    kind: z.enum(['timeout', 'ban', 'lifted']),
    ends_at: z.string().nullable(),
  }),
  ChatCounts,
]);
export type ChatBroadcast = z.infer<typeof ChatBroadcast>;

/** What one socket receives alone: its welcome, and the answer to each of its messages. */
export const ChatReply = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    stream_id: z.number().int(),
    role: z.enum(['viewer', 'moderator']),
    customer_id: z.number().int().nullable(),
    slow_mode_seconds: z.number().int().nullable(),
    pinned: ChatMessage.nullable(),
    recent: z.array(ChatMessage).meta({ description: 'The last messages, oldest first' }),
  }),
  z.object({ type: z.literal('ack'), ref: z.string().nullable(), message_id: z.number().int().nullable() }),
  z.object({
    type: z.literal('error'),
    ref: z.string().nullable(),
    code: z.enum([...CHAT_REFUSALS, 'invalid_message', 'forbidden', 'unavailable']),
    message: z.string(),
    retry_after_seconds: z.number().int().optional(),
    until: z.string().optional(),
  }),
]);
export type ChatReply = z.infer<typeof ChatReply>;

export const chatTopic = (tenantId: string, streamId: number): string => `chat/${tenantId}/${streamId}`;
