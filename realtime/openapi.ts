import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { registerOperation } from '../api/route';
import { ClientMessage, LiveAlert, LiveCounts, ScanVerdict } from './protocol';
import { ChatBroadcast, ChatClientMessage, ChatReply } from '../domain/streaming/chat-protocol';

/**
 * The realtime server's routes, documented with the API's: WebSocket endpoints are described as
 * their upgrade GET, with the messages each side sends. None takes an HTTP credential (`security: []`):
 * the device token or read key travels in the query, as browsers' WebSocket clients cannot set headers.
 */
export function registerRealtimeDocs(registry: OpenAPIRegistry): void {
  const tags = ['Check-in'];
  const upgrade = {
    101: { description: 'Switching to WebSocket' },
    401: { description: 'Unknown, inactive or unauthorised credentials' },
  };
  registerOperation(registry, {
    method: 'get',
    path: '/api/checkin/scanner',
    security: [],
    tags,
    summary: 'Scanner WebSocket (realtime server, port REALTIME_PORT)',
    description:
      'Connect with the device token from `POST /api/checkin/devices/register`. Send `scan` and `heartbeat` messages; ' +
      'each scan is answered with a `verdict` once it is durable, or an `error`. Frames above 4 KiB close the connection.',
    request: {
      query: z.object({ token: z.string().meta({ description: 'Device token (usd_...)' }) }),
      body: {
        content: { 'application/json': { schema: ClientMessage.meta({ id: 'ScannerClientMessage' }) } },
        description: 'Messages the scanner sends',
      },
    },
    responses: {
      ...upgrade,
      200: { description: 'Messages the server sends', content: { 'application/json': { schema: ScanVerdict } } },
    },
  });
  registerOperation(registry, {
    method: 'get',
    path: '/api/checkin/events/{id}/live',
    security: [],
    tags,
    summary: 'Live check-in WebSocket for dashboards (realtime server)',
    description:
      'Connect with a read API key (`?key=`). Streams `counts` (per gate and total, capacity use, rate; coalesced, at least once a second ' +
      'while scans happen), `scan` for each scan and `alert` messages.',
    request: { params: z.object({ id: z.coerce.number().int().positive() }), query: z.object({ key: z.string() }) },
    responses: {
      ...upgrade,
      200: {
        description: 'Messages the server sends',
        content: { 'application/json': { schema: z.union([LiveCounts, LiveAlert]) } },
      },
    },
  });
  registerOperation(registry, {
    method: 'get',
    path: '/checkin/dashboard',
    security: [],
    tags,
    summary: 'Organiser dashboard page (realtime server): `?event=<id>&key=<read key>`',
    responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
  });
  registerOperation(registry, {
    method: 'get',
    path: '/api/streaming/streams/{id}/chat/socket',
    security: [],
    tags: ['streaming'],
    summary: "A stream's chat WebSocket (realtime server): ticket holders and moderators",
    description:
      'A ticket holder connects with `?token=<customer token>` (a valid virtual or hybrid ticket of the stream), tenant staff with ' +
      '`?key=<API key with write scope>` as moderator. The server sends `hello` (recent messages, slow mode, pinned), then every ' +
      '`message`, `message_deleted`, `reactions`, `pinned`, `slow_mode`, `user_sanctioned` and `counts`. Viewers send `message` ' +
      '(optionally `reply_to_id`) and `react`; moderators also `delete`, `sanction` (timeout or ban), `slow_mode` (1-120 s or null) and `pin`. ' +
      'Each client message with a `ref` is answered with an `ack` or an `error` whose `code` says why (banned, timed_out, slow_mode, ' +
      'banned_word, access_lost, ...). Frames above 4 KiB close the connection.',
    request: {
      params: z.object({ id: z.coerce.number().int().positive() }),
      query: z.object({ token: z.string().optional(), key: z.string().optional() }),
      body: {
        content: { 'application/json': { schema: ChatClientMessage.meta({ id: 'StreamChatClientMessage' }) } },
        description: 'Messages the client sends',
      },
    },
    responses: {
      ...upgrade,
      200: {
        description: 'Messages the server sends',
        content: { 'application/json': { schema: z.union([ChatReply, ChatBroadcast]) } },
      },
    },
  });
}
