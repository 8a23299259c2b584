/** The parts of `npm run demo:traffic`: the API client, gate lanes of tickets, scanner sockets and the webhook receiver. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { z } from 'zod';
import type { Device, Gate, Manifest, TicketLookup } from '../api/checkin/schemas';
import type { ScannerServerMessage, ScanVerdict } from '../realtime/protocol';

export type DeviceBody = z.infer<typeof Device>;
export type GateBody = z.infer<typeof Gate>;
export type Verdict = z.infer<typeof ScanVerdict>;
export type Direction = 'entry' | 'exit';
export interface ScanMessage {
  type: 'scan';
  scan_id: string;
  code: string;
  direction: Direction;
  scanned_at: string;
}

export const LOOKUP_CONCURRENCY = 16;
export const HEARTBEAT_MS = 10_000;
export const WEBHOOK_WAIT_MS = 30_000;
/** When the special moments happen, as fractions of the run. */
export const AT = { duplicate: 0.35, replay: 0.45, offline: 0.5, online: 0.7 } as const;
/** A scanner offline queues at least this many scans, however short the run. */
export const MIN_OFFLINE_SCANS = 2;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
export const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

export function loopbackOnly(url: string, what: string): URL {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') throw new Error(`${what} must be on 127.0.0.1 (got ${u.host})`);
  return u;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

export function apiClient(baseUrl: string, key: string) {
  return async function api<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(baseUrl + route, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, parsed, `${method} ${route}`);
    return parsed as T;
  };
}
export type Api = ReturnType<typeof apiClient>;

/** One gate's tickets: never admitted, inside, gone out (may come back in), and not looked up yet. */
export interface Lane {
  fresh: string[];
  inside: Set<string>;
  out: Set<string>;
  unknown: string[];
}

export function takeRandom(set: Set<string>): string | undefined {
  if (!set.size) return undefined;
  const pick = [...set][Math.floor(Math.random() * set.size)];
  set.delete(pick);
  return pick;
}

/** ws's readyState values. */
export const OPEN = 1;
export const CLOSED = 3;

/** A scanner's socket: sends scans and resolves each with its verdict. */
export class ScannerSocket {
  private waiting = new Map<string, { resolve(v: Verdict): void; reject(e: Error): void }>();
  private closed = false;

  private constructor(
    private readonly ws: WebSocket,
    onHello: () => void,
  ) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as ScannerServerMessage;
      if (msg.type === 'hello') return onHello();
      const id = 'scan_id' in msg ? msg.scan_id : undefined;
      const waiter = id ? this.waiting.get(id) : undefined;
      if (!id || !waiter) return;
      this.waiting.delete(id);
      if (msg.type === 'verdict') waiter.resolve(msg);
      if (msg.type === 'error') waiter.reject(new Error(`${msg.code}: ${msg.message}`));
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
      this.waiting.clear();
    });
  }

  /** Open once the server said hello (the device token was accepted). */
  static connect(url: string): Promise<ScannerSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const socket: ScannerSocket = new ScannerSocket(ws, () => resolve(socket));
      ws.on('error', reject);
    });
  }

  scan(msg: ScanMessage): Promise<Verdict> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const verdict = new Promise<Verdict>((resolve, reject) => this.waiting.set(msg.scan_id, { resolve, reject }));
    this.ws.send(JSON.stringify(msg));
    return verdict;
  }

  heartbeat(): void {
    if (this.ws.readyState === OPEN) this.ws.send('{"type":"heartbeat"}');
  }

  close(): Promise<void> {
    if (this.ws.readyState === CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

export interface Scanner {
  device: DeviceBody;
  gate: GateBody;
  token: string;
  lane: Lane;
  weight: number;
  socket?: ScannerSocket;
  /** Offline: scans queue here until the sync. */
  queue?: ScanMessage[];
  /** Steps and the run's special moments take turns on a scanner. */
  turn: Promise<unknown>;
  lastSuccess?: ScanMessage;
}

/** Each gate's lane of the event's valid tickets, in random order, none looked up yet. */
export async function loadLanes(api: Api, eventId: number, gates: GateBody[]): Promise<Map<number, Lane>> {
  const tickets: z.infer<typeof Manifest>['items'] = [];
  for (let cursor: string | null = null, complete = false; !complete;) {
    const page: z.infer<typeof Manifest> = await api(
      'GET',
      `/api/checkin/events/${eventId}/manifest?limit=5000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    tickets.push(...page.items.filter((t) => t.status === 'valid'));
    ({ next_cursor: cursor, complete } = page);
  }
  for (let i = tickets.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [tickets[i], tickets[j]] = [tickets[j], tickets[i]];
  }
  // A restricted lane (VIP) takes the types it admits; the open gates share the rest.
  const restricted = new Set(gates.flatMap((g) => g.ticket_type_ids ?? []));
  const newLane = (): Lane => ({ fresh: [], inside: new Set(), out: new Set(), unknown: [] });
  const shared = newLane();
  const lanes = new Map<number, Lane>();
  for (const g of gates) lanes.set(g.id, g.ticket_type_ids ? newLane() : shared);
  for (const t of tickets) {
    const gate = restricted.has(t.ticket_type_id)
      ? gates.find((g) => g.ticket_type_ids?.includes(t.ticket_type_id))
      : gates.find((g) => !g.ticket_type_ids);
    if (gate) lanes.get(gate.id)?.unknown.push(t.code);
  }
  return lanes;
}

/**
 * Looks tickets up until the lane has `need` never scanned (or none is left to look up): where
 * each holder is now, so the rush neither admits someone inside nor lets out someone who is not.
 */
export async function fillLane(api: Api, lane: Lane, need: number): Promise<void> {
  while (lane.fresh.length < need && lane.unknown.length) {
    await Promise.all(
      lane.unknown.splice(0, LOOKUP_CONCURRENCY).map(async (code) => {
        const l: z.infer<typeof TicketLookup> = await api('GET', `/api/checkin/ticket/${code}/lookup`);
        if (l.inside) lane.inside.add(code);
        else if (l.checked_in) lane.out.add(code);
        else lane.fresh.push(code);
      }),
    );
  }
}

/** A local receiver for the run's webhooks: counts deliveries by event type. */
export async function startReceiver(): Promise<{
  url: string;
  received: Record<string, number>;
  stop(): Promise<void>;
}> {
  const received: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let type = 'unknown';
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: unknown };
        if (typeof body.type === 'string') type = body.type;
      } catch {
        /* counted as unknown */
      }
      bump(received, type);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/usher-demo-webhooks`,
    received,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
