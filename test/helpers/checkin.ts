import WebSocket from 'ws';
import type { Db } from '../../db/connection';
import type { Logger } from '../../lib/logger';
import { createLogger } from '../../lib/logger';
import { startRealtimeServer, type RealtimeOptions, type RealtimeServer } from '../../realtime/server';
import type { ScannerServerMessage, ScanVerdict } from '../../realtime/protocol';
import type { EventFixture, TenantFixture } from './fixtures';

/** `n` valid tickets of one order, written straight to the database: fast enough for storms and benchmarks. */
export async function seedTickets(
  owner: Db,
  tenantId: string,
  f: EventFixture,
  n: number,
  opts: { ticketTypeId?: number; prefix?: string } = {},
): Promise<{ id: number; code: string }[]> {
  const ticketTypeId = opts.ticketTypeId ?? f.ticketTypeId;
  const [order] = await owner('orders')
    .insert({
      tenant_id: tenantId,
      event_id: f.eventId,
      customer_id: f.customerId,
      order_number: `SEED-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      status: 'paid',
      currency: 'EUR',
      total_minor: 0,
      payment_provider: 'offline',
      paid_at: new Date(),
    })
    .returning('id');
  const prefix = opts.prefix ?? `T${f.eventId}X${ticketTypeId}X${order.id}X`;
  const { rows } = await owner.raw<{ rows: { id: number; code: string }[] }>(
    `
    insert into tickets (tenant_id, event_id, order_id, ticket_type_id, customer_id, code, holder_name)
    select ?, ?, ?, ?, ?, ? || g, 'Holder ' || g from generate_series(1, ?) g returning id, code`,
    [tenantId, f.eventId, order.id, ticketTypeId, f.customerId, prefix, n],
  );
  await owner('ticket_types')
    .where({ id: ticketTypeId })
    .update({ sold: owner.raw('least(inventory, sold + ?)', [n]) });
  return rows;
}

export async function startTestRealtime(
  db: Db,
  options: Partial<RealtimeOptions> = {},
  logger: Logger = createLogger('realtime-test', process.env.LOG_LEVEL === 'debug' ? 'debug' : 'silent'),
): Promise<RealtimeServer & { url: string }> {
  const server = await startRealtimeServer({ db, logger, options }, 0);
  return { ...server, url: `ws://127.0.0.1:${server.port}` };
}

export interface Device {
  id: number;
  token: string;
  event_id: number;
  gate_id: number | null;
}

export async function registerDevice(
  t: TenantFixture,
  eventId: number,
  gateId: number | null,
  name = `scanner-${Math.random().toString(36).slice(2, 8)}`,
): Promise<Device> {
  const res = await t.api.post<Device>('/api/checkin/devices/register', {
    event_id: eventId,
    device_name: name,
    device_uuid: name,
    gate_id: gateId,
  });
  if (res.status !== 201) throw new Error(`register device: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createGate(
  t: TenantFixture,
  eventId: number,
  body: Record<string, unknown> = {},
): Promise<{ id: number }> {
  const res = await t.api.post<{ id: number }>('/api/checkin/gates', {
    event_id: eventId,
    name: `Gate ${Math.random().toString(36).slice(2, 6)}`,
    ...body,
  });
  if (res.status !== 201) throw new Error(`gate: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A scanner connection that collects what the server sends. */
export class ScannerSocket {
  readonly messages: ScannerServerMessage[] = [];
  private waiters = new Map<string, { resolve(v: ScanVerdict): void; reject(e: Error): void }>();
  private errorWaiters: ((m: ScannerServerMessage) => void)[] = [];
  closed = false;
  closeCode: number | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as ScannerServerMessage;
      this.messages.push(msg);
      if (msg.type === 'verdict') this.waiters.get(msg.scan_id)?.resolve(msg);
      if (msg.type === 'error') {
        for (const w of this.errorWaiters.splice(0)) w(msg);
        if (msg.scan_id) this.waiters.get(msg.scan_id)?.reject(new Error(`${msg.code}: ${msg.message}`));
      }
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
    });
  }

  static async connect(url: string): Promise<ScannerSocket> {
    const ws = new WebSocket(url);
    const socket = new ScannerSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Sends a scan and resolves with its verdict. */
  scan(scan: {
    scan_id: string;
    code: string;
    gate_id?: number;
    direction?: 'entry' | 'exit';
    scanned_at?: string;
  }): Promise<ScanVerdict> {
    const verdict = new Promise<ScanVerdict>((resolve, reject) => this.waiters.set(scan.scan_id, { resolve, reject }));
    this.send({ type: 'scan', scanned_at: new Date().toISOString(), ...scan });
    return verdict;
  }

  nextError(): Promise<ScannerServerMessage> {
    return new Promise((resolve) => this.errorWaiters.push(resolve));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
