import { z } from 'zod';
import { SLOW_MODE_MAX_SECONDS, SLOW_MODE_MIN_SECONDS } from '../../domain/streaming/chat';
import { ChatMessage, SanctionChatUser, SendChatMessage } from '../../domain/streaming/chat-protocol';
import { fromDecimal, IdParam, Pagination } from '../schemas/common';

export { ChatMessage };

export const StreamIdParams = z.object({ id: IdParam });
export const MessageParams = z.object({ id: IdParam, message_id: IdParam });
export const CustomerParams = z.object({ id: IdParam, customer_id: IdParam });

export const ChatHistoryQuery = Pagination.extend({
  include_deleted: fromDecimal(z.number().int().min(0).max(1))
    .optional()
    .meta({ description: '1: include deleted messages (their text blanked); tenant keys only' }),
});

export const PostChatMessage = SendChatMessage.omit({ type: true, ref: true });

export const CreateSanction = SanctionChatUser.omit({ type: true, ref: true });

export const Sanction = z
  .object({
    id: z.number().int(),
    stream_id: z.number().int(),
    customer_id: z.number().int(),
    kind: z.enum(['timeout', 'ban']),
    ends_at: z.string().nullable(),
    reason: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'StreamChatSanction' });

export const UpdateChat = z.strictObject({
  slow_mode_seconds: z
    .number()
    .int()
    .min(SLOW_MODE_MIN_SECONDS)
    .max(SLOW_MODE_MAX_SECONDS)
    .nullable()
    .optional()
    .meta({ description: 'One message per viewer every this many seconds; null turns slow mode off' }),
  pinned_message_id: z.number().int().positive().nullable().optional().meta({ description: 'null unpins' }),
});

export const ChatView = z
  .object({
    stream_id: z.number().int(),
    slow_mode_seconds: z.number().int().nullable(),
    pinned: ChatMessage.nullable(),
    viewers: z.number().int().meta({ description: 'Viewer pages connected to the chat now, over every realtime node' }),
    chatters_5m: z.number().int(),
    messages_1m: z.number().int(),
    messages_total: z.number().int(),
  })
  .meta({ id: 'StreamChat' });
