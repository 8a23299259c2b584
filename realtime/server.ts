import type uWS from 'uWebSockets.js';
import { withTenant, type Db } from '../db/connection';
import { raiseAlerts } from '../db/checkin/alerts';
import {
  deviceByToken,
  markDeviceOffline,
  markDeviceOnline,
  tenantOfDeviceToken,
  touchDevice,
  type DeviceRow,
} from '../db/checkin/devices';
import { apiKeyByHash } from '../db/tenants/keys';
import { getEvent } from '../db/events/events';
import { isModuleEnabled } from '../db/platform/modules';
import { hashApiKey, isApiKey } from '../lib/credentials';
import type { Logger } from '../lib/logger';
import { submitScan } from './group-scan'; // group code at the gate (groups-gate)
import { ScanBatcher } from './batcher';
import { LiveHub, liveTopic } from './live';
import { MAX_MESSAGE_BYTES, parseClientMessage, type ErrorMessage, type ScannerServerMessage } from './protocol';
import { serveDashboard } from './dashboard';
import { ChatHub, serveChat } from './chat';
import { answerVoucherScan } from './vouchers'; // voucher scans (upsells)
import { loadUws } from './uws';

export interface RealtimeOptions {
  maxBatch: number;
  maxInFlight: number;
  minParallelBatch: number;
  maxWaitMs: number;
  coalesceMs: number;
  refreshMs: number;
  /** Stream chat: viewer counts reported and pushed this often. */
  chatCountsMs: number;
  /** A device silent for this long is offline; its alert fires then. */
  heartbeatTimeoutS: number;
  /** Scans a connection may have waiting for a verdict; more are refused with `overloaded`. */
  maxPendingPerConnection: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  maxBatch: 1000,
  maxInFlight: 4,
  minParallelBatch: 32,
  maxWaitMs: 4,
  coalesceMs: 50,
  refreshMs: 1000,
  chatCountsMs: 5000,
  heartbeatTimeoutS: 60,
  maxPendingPerConnection: 2000,
};

export interface RealtimeDeps {
  db: Db;
  logger: Logger;
  options?: Partial<RealtimeOptions>;
  /** Run on uWebSockets.js's JavaScript fallback when no native build loads (else refuse to start). */
  allowJsFallback?: boolean;
  /** Verifies customer tokens (stream chat); without it only tenant staff can open a chat. */
  tokenSecret?: string;
}

export interface RealtimeServer {
  port: number;
  stop(): Promise<void>;
}

interface ScannerData {
  kind: 'scanner';
  tenantId: string;
  device: DeviceRow;
  pending: number;
  closed: boolean;
}
interface LiveData {
  kind: 'live';
  tenantId: string;
  eventId: number;
}
type SocketData = ScannerData | LiveData;

export const problem = (res: uWS.HttpResponse, status: string, code: string, detail: string): void => {
  res
    .writeStatus(status)
    .writeHeader('content-type', 'application/problem+json')
    .end(
      JSON.stringify({
        type: `https://usher.dev/problems/${code}`,
        title: status.slice(4),
        status: Number(status.slice(0, 3)),
        code,
        detail,
      }),
    );
};

async function authenticateDevice(
  db: Db,
  token: string | null,
): Promise<{ tenantId: string; device: DeviceRow } | undefined> {
  const tenantId = token ? tenantOfDeviceToken(token) : undefined;
  if (!token || !tenantId) return undefined;
  return withTenant(db, tenantId, async (tx) => {
    const device = await deviceByToken(tx, token);
    if (!device || device.status !== 'active' || !(await isModuleEnabled(tx, 'checkin', device.event_id)))
      return undefined;
    await markDeviceOnline(tx, device.id);
    return { tenantId, device };
  });
}

/** A tenant API key with read access and the check-in module, for an event of that tenant. */
async function authenticateViewer(db: Db, key: string | null, eventId: number): Promise<string | undefined> {
  if (!key || !isApiKey(key) || !Number.isSafeInteger(eventId)) return undefined;
  const auth = await apiKeyByHash(db, hashApiKey(key));
  if (!auth || !auth.scopes.some((s) => s === 'read' || s === 'write' || s === 'admin')) return undefined;
  return withTenant(db, auth.tenant_id, async (tx) => {
    const event = await getEvent(tx, eventId);
    return event && (await isModuleEnabled(tx, 'checkin', eventId)) ? auth.tenant_id : undefined;
  });
}

/**
 * Answers a WebSocket upgrade once `authorise` settles; uWS wants the upgrade corked and skipped if the
 * client left. `corkUpgrade` false upgrades uncorked, for builds where a corked async upgrade can close
 * the new socket (see realtime/uws.ts).
 */
export function upgradeWhen<D extends object>(
  res: uWS.HttpResponse,
  req: uWS.HttpRequest,
  context: uWS.us_socket_context_t,
  logger: Logger,
  corkUpgrade: boolean,
  authorise: () => Promise<D | undefined>,
): void {
  const key = req.getHeader('sec-websocket-key');
  const protocol = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  authorise().then(
    (data) => {
      if (aborted) return;
      if (data && !corkUpgrade) return void res.upgrade(data, key, protocol, extensions, context);
      res.cork(() => {
        if (!data)
          problem(res, '401 Unauthorized', 'invalid_credentials', 'Unknown, inactive or unauthorised credentials');
        else res.upgrade(data, key, protocol, extensions, context);
      });
    },
    (err: unknown) => {
      logger.error({ err }, 'websocket upgrade failed');
      if (!aborted) res.cork(() => problem(res, '503 Service Unavailable', 'unavailable', 'Try again'));
    },
  );
}

/**
 * The check-in hot path: scanner sockets submit scans to the group-commit batcher and get each
 * verdict once it is durable; dashboard sockets subscribe to an event's live counters and alerts.
 */
export async function startRealtimeServer(deps: RealtimeDeps, port: number): Promise<RealtimeServer> {
  const opts = { ...DEFAULT_REALTIME_OPTIONS, ...deps.options };
  const { db, logger } = deps;
  const { uws, build: uwsBuild, native, skipped, corkAsyncUpgrade } = loadUws(deps.allowJsFallback ?? false);
  const uwsKind = native ? 'native' : 'fallback';
  if (!native) logger.warn({ skipped }, 'no native uWebSockets.js build loads: running on the JavaScript fallback');
  const app = uws.App();
  const live = new LiveHub(app, db, logger, opts);
  const batcher = new ScanBatcher(db, logger, opts, (b) => live.onCommit(b.tenantId, b.outcomes, b.alerts));
  const connected = new Map<number, number>();
  const sockets = new Set<uWS.WebSocket<SocketData>>();
  const offlineTimers = new Map<number, NodeJS.Timeout>();
  const deviceUpdates = new Set<Promise<void>>();
  let stopping = false;

  const markOffline = (tenantId: string, device: DeviceRow): void => {
    clearTimeout(offlineTimers.get(device.id));
    offlineTimers.set(
      device.id,
      setTimeout(() => {
        offlineTimers.delete(device.id);
        if (connected.get(device.id)) return;
        withTenant(db, tenantId, async (tx) => {
          const stale = await markDeviceOffline(tx, device.id, opts.heartbeatTimeoutS - 0.5);
          if (!stale) return [];
          return raiseAlerts(tx, tenantId, [
            {
              eventId: device.event_id,
              gateId: device.gate_id,
              kind: 'device_offline',
              dedupeKey: `offline:${device.id}:${new Date(stale.last_seen_at).toISOString()}`,
              message: `Scanner ${device.device_name} went offline`,
              payload: { device_id: device.id, device_name: device.device_name, last_seen_at: stale.last_seen_at },
            },
          ]);
        }).then(
          (alerts) => live.publishAlerts(tenantId, alerts),
          (err: unknown) => logger.error({ err }, 'offline check failed'),
        );
      }, opts.heartbeatTimeoutS * 1000),
    );
  };

  const send = (ws: uWS.WebSocket<SocketData>, msg: ScannerServerMessage): void => {
    if (!(ws.getUserData() as ScannerData).closed) ws.send(JSON.stringify(msg));
  };

  // Verdicts of a committed batch resolve together, outside any uWS callback: each socket's share
  // goes out corked, in one write, instead of one syscall per verdict.
  const verdictOutbox = new Map<uWS.WebSocket<SocketData>, string[]>();
  const flushVerdicts = (): void => {
    for (const [ws, messages] of verdictOutbox) {
      if (!(ws.getUserData() as ScannerData).closed)
        ws.cork(() => {
          for (const m of messages) ws.send(m);
        });
    }
    verdictOutbox.clear();
  };
  const sendVerdict = (ws: uWS.WebSocket<SocketData>, msg: ScannerServerMessage): void => {
    if (!verdictOutbox.size) queueMicrotask(flushVerdicts);
    const queued = verdictOutbox.get(ws);
    if (queued) queued.push(JSON.stringify(msg));
    else verdictOutbox.set(ws, [JSON.stringify(msg)]);
  };

  app.ws<SocketData>('/api/checkin/scanner', {
    maxPayloadLength: MAX_MESSAGE_BYTES,
    idleTimeout: 120,
    maxBackpressure: 4 * 1024 * 1024,
    upgrade: (res, req, context) => {
      const token =
        new URLSearchParams(req.getQuery() ?? '').get('token') ??
        req.getHeader('authorization').replace(/^Bearer\s+/i, '');
      upgradeWhen(res, req, context, logger, corkAsyncUpgrade, async () => {
        const found = await authenticateDevice(db, token || null);
        return (
          found && {
            kind: 'scanner' as const,
            tenantId: found.tenantId,
            device: found.device,
            pending: 0,
            closed: false,
          }
        );
      });
    },
    open: (ws) => {
      sockets.add(ws);
      const data = ws.getUserData() as ScannerData;
      connected.set(data.device.id, (connected.get(data.device.id) ?? 0) + 1);
      send(ws, {
        type: 'hello',
        device_id: data.device.id,
        event_id: data.device.event_id,
        gate_id: data.device.gate_id,
      });
    },
    message: (ws, message) => {
      const data = ws.getUserData() as ScannerData;
      const parsed = parseClientMessage(message);
      if (!parsed.ok) return send(ws, parsed.error);
      const msg = parsed.message;
      if (msg.type === 'heartbeat') {
        send(ws, { type: 'heartbeat_ack', at: new Date().toISOString() });
        void withTenant(db, data.tenantId, (tx) => touchDevice(tx, data.device.id)).catch((err: unknown) =>
          logger.error({ err }, 'heartbeat update failed'),
        );
        return;
      }
      const gateId = msg.gate_id ?? data.device.gate_id;
      if (!gateId)
        return send(ws, {
          type: 'error',
          code: 'no_gate',
          message: 'This device has no gate: send gate_id',
          scan_id: msg.scan_id,
        });
      if (data.pending >= opts.maxPendingPerConnection) {
        return send(ws, {
          type: 'error',
          code: 'overloaded',
          message: 'Too many scans awaiting a verdict; retry with the same scan_id',
          scan_id: msg.scan_id,
        });
      }
      data.pending++;
      // --- voucher scans (upsells) ---
      if (msg.type === 'voucher_scan') return answerVoucherScan(db, data, msg, gateId, (m) => sendVerdict(ws, m));
      // --- end voucher scans (upsells) ---
      // --- group code at the gate (groups-gate) ---
      submitScan(db, batcher, data.tenantId, {
        scanId: msg.scan_id,
        code: msg.code,
        gateId,
        deviceId: data.device.id,
        eventId: data.device.event_id,
        direction: msg.direction,
        scannedAt: new Date(msg.scanned_at),
        source: 'online',
      }).then(
        (verdict) => {
          data.pending--;
          sendVerdict(ws, verdict);
        },
        // --- end group code at the gate (groups-gate) ---
        () => {
          data.pending--;
          const error: ErrorMessage = {
            type: 'error',
            code: 'overloaded',
            message: 'The scan was not recorded; retry with the same scan_id',
            scan_id: msg.scan_id,
          };
          sendVerdict(ws, error);
        },
      );
    },
    close: (ws) => {
      sockets.delete(ws);
      const data = ws.getUserData() as ScannerData;
      data.closed = true;
      const left = (connected.get(data.device.id) ?? 1) - 1;
      if (left) connected.set(data.device.id, left);
      else connected.delete(data.device.id);
      const seen = withTenant(db, data.tenantId, (tx) => touchDevice(tx, data.device.id))
        .then(
          () => undefined,
          (err: unknown) => logger.error({ err }, 'device update failed'),
        )
        .finally(() => deviceUpdates.delete(seen));
      deviceUpdates.add(seen);
      // A device cut off by our own shutdown is not offline; another process may be serving it.
      if (!left && !stopping) markOffline(data.tenantId, data.device);
    },
  });

  app.ws<SocketData>('/api/checkin/events/:id/live', {
    maxPayloadLength: 1024,
    idleTimeout: 120,
    maxBackpressure: 1024 * 1024,
    upgrade: (res, req, context) => {
      const eventId = Number(req.getParameter(0));
      const key =
        new URLSearchParams(req.getQuery() ?? '').get('key') ??
        req.getHeader('authorization').replace(/^Bearer\s+/i, '');
      upgradeWhen(res, req, context, logger, corkAsyncUpgrade, async () => {
        const tenantId = await authenticateViewer(db, key || null, eventId);
        return tenantId ? { kind: 'live', tenantId, eventId } : undefined;
      });
    },
    open: (ws) => {
      sockets.add(ws);
      const data = ws.getUserData() as LiveData;
      ws.subscribe(liveTopic(data.tenantId, data.eventId));
      live.watch(data.tenantId, data.eventId);
    },
    close: (ws) => {
      sockets.delete(ws);
    },
  });

  const chat = new ChatHub(app, db, logger, deps.tokenSecret, { countsMs: opts.chatCountsMs });
  await chat.start();
  serveChat(app, chat, (res, req, context, authorise) =>
    upgradeWhen(res, req, context, logger, corkAsyncUpgrade, authorise),
  );
  serveDashboard(app);
  app.get('/healthz', (res) => {
    res
      .writeHeader('content-type', 'application/json')
      .end(JSON.stringify({ status: 'ok', uws: uwsKind, uws_build: uwsBuild }));
  });
  app.any('/*', (res) => problem(res, '404 Not Found', 'route_not_found', 'No such route'));

  const socket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen('0.0.0.0', port, (s) => (s ? resolve(s) : reject(new Error(`realtime: cannot listen on port ${port}`))));
  });
  const bound = uws.us_socket_local_port(socket);
  deps.logger.info({ port: bound, uws: uwsKind, uws_build: uwsBuild }, 'realtime listening');
  return {
    port: bound,
    async stop() {
      stopping = true;
      uws.us_listen_socket_close(socket);
      await batcher.drain();
      await batcher.close();
      live.stop();
      await chat.stop();
      for (const t of offlineTimers.values()) clearTimeout(t);
      for (const ws of [...sockets]) ws.end(1001, 'server shutting down');
      // Their close handlers record when each device was last seen: done before the pool goes.
      await Promise.all([...deviceUpdates]);
    },
  };
}
