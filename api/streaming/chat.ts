import type { Tx } from '../../db/connection';
import { streamAccessTicket } from '../../db/streaming/access';
import {
  getChatMessage,
  getChatState,
  getChatStream,
  listChatMessages,
  listSanctions,
  type ChatStreamRow,
  type SanctionRow,
} from '../../db/streaming/chat';
import {
  isRefusal,
  liftChatSanction,
  pinChatMessage,
  postChatMessage,
  removeChatMessage,
  sanctionInChat,
  setSlowMode,
  type Refusal,
} from '../../db/streaming/chat-commands';
import { chatCounts } from '../../db/streaming/chat-counts';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute, type Auth } from '../route';
import { watchRoutes } from './watch';
import { page, toPage } from '../schemas/common';
import {
  ChatHistoryQuery,
  ChatMessage,
  ChatView,
  CreateSanction,
  CustomerParams,
  MessageParams,
  PostChatMessage,
  Sanction,
  StreamIdParams,
  UpdateChat,
} from './chat-schemas';

const NOT_FOUND = new Set(['message_not_found', 'customer_not_found', 'access_lost']);

/** A refusal as the API answers it: what does not exist (or is not the caller's) 404, a rule 422. */
function unlessRefused<T>(outcome: T | Refusal): T {
  if (!isRefusal(outcome)) return outcome;
  if (outcome.refused === 'access_lost') throw notFound('Stream');
  throw new AppError(NOT_FOUND.has(outcome.refused) ? 404 : 422, outcome.refused, outcome.message, {
    ...(outcome.retryAfterSeconds !== undefined ? { retry_after_seconds: outcome.retryAfterSeconds } : {}),
    ...(outcome.until ? { until: outcome.until } : {}),
  });
}

/** The stream, if the caller may see its chat: any of the tenant's streams for a key, a stream their ticket opens for a customer. */
async function loadChatStream(tx: Tx, auth: Auth, streamId: number): Promise<ChatStreamRow> {
  const stream = await getChatStream(tx, streamId);
  if (!stream) throw notFound('Stream');
  if (auth.kind === 'customer') {
    const ticket = await streamAccessTicket(tx, {
      tenantId: auth.tenantId,
      streamId,
      customerId: auth.customerId,
      now: new Date(),
    });
    if (!ticket) throw notFound('Stream');
  }
  return stream;
}

const sanctionView = (s: SanctionRow) => ({
  ...s,
  ends_at: s.ends_at ? s.ends_at.toISOString() : null,
  created_at: s.created_at.toISOString(),
});

/**
 * Chat history (for the replay) and moderation over HTTP, beside the realtime socket
 * (`/api/streaming/streams/{id}/chat/socket`, documented in realtime/openapi.ts). Every change reaches the sockets
 * of every realtime node once committed.
 */
export function chatRoutes(deps: RouterDeps): void {
  const tags = ['streaming'];
  const module = 'streaming' as const;
  const base = '/api/streaming/streams/{id}/chat';
  watchRoutes(deps);

  defineRoute(deps, {
    method: 'get',
    path: base,
    summary: "A stream's chat: slow mode, the pinned message, and viewer and chat counts for the organiser",
    tags,
    access: { scope: 'read', module },
    params: StreamIdParams,
    responses: { 200: { description: 'Chat state and counts', schema: ChatView } },
    handler: async ({ tx, auth, params }) => {
      await loadChatStream(tx, auth, params.id);
      const state = await getChatState(tx, params.id);
      const pinned = state.pinned_message_id ? await getChatMessage(tx, params.id, state.pinned_message_id) : null;
      return {
        body: {
          stream_id: params.id,
          slow_mode_seconds: state.slow_mode_seconds,
          pinned: pinned ?? null,
          ...(await chatCounts(tx, params.id)),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'patch',
    path: base,
    summary: 'Moderate: set or end slow mode (1–120 s), pin or unpin a message',
    tags,
    access: { scope: 'write', module },
    params: StreamIdParams,
    body: UpdateChat,
    responses: { 200: { description: 'Chat state and counts', schema: ChatView } },
    handler: async ({ tx, auth, params, body }) => {
      await loadChatStream(tx, auth, params.id);
      if (body.slow_mode_seconds !== undefined) await setSlowMode(tx, auth.tenantId, params.id, body.slow_mode_seconds);
      const pinned =
        body.pinned_message_id !== undefined
          ? unlessRefused(await pinChatMessage(tx, auth.tenantId, params.id, body.pinned_message_id))
          : undefined;
      const state = await getChatState(tx, params.id);
      const shown =
        pinned !== undefined
          ? pinned
          : state.pinned_message_id
            ? ((await getChatMessage(tx, params.id, state.pinned_message_id)) ?? null)
            : null;
      return {
        body: {
          stream_id: params.id,
          slow_mode_seconds: state.slow_mode_seconds,
          pinned: shown,
          ...(await chatCounts(tx, params.id)),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: `${base}/messages`,
    summary: "A stream's chat history, oldest first (the replay shows it beside the recording)",
    tags,
    access: { scope: 'read', customer: true, module },
    params: StreamIdParams,
    query: ChatHistoryQuery,
    responses: { 200: { description: 'Messages', schema: page(ChatMessage) } },
    handler: async ({ tx, auth, params, query }) => {
      await loadChatStream(tx, auth, params.id);
      const rows = await listChatMessages(tx, params.id, {
        afterId: query.after ?? 0,
        limit: query.limit,
        includeDeleted: auth.kind === 'key' && query.include_deleted === 1,
      });
      return { body: toPage(rows, query.limit) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: `${base}/messages`,
    summary:
      'Post in the chat: as a moderator with a tenant key, or as the ticket holder with a customer token (the same rules as the socket: 422 banned, timed_out, slow_mode, banned_word)',
    tags,
    access: { scope: 'write', customer: true, module },
    params: StreamIdParams,
    body: PostChatMessage,
    idempotent: true,
    responses: { 201: { description: 'Posted', schema: ChatMessage } },
    handler: async ({ tx, auth, params, body }) => {
      await loadChatStream(tx, auth, params.id);
      const actor =
        auth.kind === 'customer'
          ? { role: 'viewer' as const, customerId: auth.customerId }
          : { role: 'moderator' as const, name: 'Moderator' };
      const message = await postChatMessage(tx, auth.tenantId, params.id, actor, {
        body: body.body,
        replyToId: body.reply_to_id,
      });
      return { status: 201, body: unlessRefused(message) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: `${base}/messages/{message_id}`,
    summary: 'Moderate: delete a message (it disappears from every viewer now; the history keeps its place)',
    tags,
    access: { scope: 'write', module },
    params: MessageParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, auth, params }) => {
      await loadChatStream(tx, auth, params.id);
      unlessRefused(await removeChatMessage(tx, auth.tenantId, params.id, params.message_id));
      return { status: 204 };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: `${base}/sanctions`,
    summary: 'The time-outs and bans in force in a stream’s chat',
    tags,
    access: { scope: 'read', module },
    params: StreamIdParams,
    responses: { 200: { description: 'Sanctions', schema: page(Sanction) } },
    handler: async ({ tx, auth, params }) => {
      await loadChatStream(tx, auth, params.id);
      return { body: { items: (await listSanctions(tx, params.id)).map(sanctionView), next_cursor: null } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: `${base}/sanctions`,
    summary: 'Moderate: time out (default 300 s) or ban a viewer; it replaces their standing sanction',
    tags,
    access: { scope: 'write', module },
    params: StreamIdParams,
    body: CreateSanction,
    idempotent: true,
    responses: { 201: { description: 'In force', schema: Sanction } },
    handler: async ({ tx, auth, params, body }) => {
      await loadChatStream(tx, auth, params.id);
      const row = unlessRefused(
        await sanctionInChat(tx, auth.tenantId, params.id, {
          customerId: body.customer_id,
          kind: body.kind,
          durationSeconds: body.duration_seconds,
          reason: body.reason,
        }),
      );
      return { status: 201, body: sanctionView(row) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: `${base}/sanctions/{customer_id}`,
    summary: "Moderate: lift a viewer's time-out or ban",
    tags,
    access: { scope: 'write', module },
    params: CustomerParams,
    responses: { 204: { description: 'Lifted' } },
    handler: async ({ tx, auth, params }) => {
      await loadChatStream(tx, auth, params.id);
      if (!(await liftChatSanction(tx, auth.tenantId, params.id, params.customer_id))) throw notFound('Sanction');
      return { status: 204 };
    },
  });
}
