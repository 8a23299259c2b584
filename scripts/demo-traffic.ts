/**
 * `npm run demo:traffic [-- --seconds 60 --rate 5]`: a gate rush against the stack `npm start` runs.
 *
 * The demo event's seeded scanners (North 1 and 2, South 1, VIP 1) are registered again through the
 * API for fresh socket tokens, connect to the realtime server and scan the event's tickets for
 * `--seconds`, at `--rate` scans a second on average, rising to a peak and tailing off. Among them:
 * one ticket scanned a second time at another scanner (refused, a suspicious alert), one scan re-sent
 * after a lost verdict (answered from the record, counted once), and one scanner that loses its
 * network for a while, keeps scanning offline and syncs its queue through `POST /api/checkin/sync`.
 * A webhook receiver on 127.0.0.1 subscribes to `checkin.*` for the run. The scanners are switched
 * off (status inactive) at the end, so no device_offline alerts follow. One JSON summary goes to
 * stdout; progress to stderr.
 *
 * Reads the API and realtime URLs, the key and the event from `.data/demo.json` (written by
 * `npm start`); USHER_API_URL, USHER_REALTIME_URL, USHER_API_KEY and USHER_EVENT_ID override it.
 * Talks to 127.0.0.1 only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { RegisteredDevice, StatusBody, SyncResult } from '../api/checkin/schemas';
import {
  AT,
  ApiError,
  HEARTBEAT_MS,
  MIN_OFFLINE_SCANS,
  ScannerSocket,
  WEBHOOK_WAIT_MS,
  apiClient,
  bump,
  fillLane,
  loadLanes,
  loopbackOnly,
  sleep,
  startReceiver,
  takeRandom,
  type DeviceBody,
  type Direction,
  type GateBody,
  type Lane,
  type ScanMessage,
  type Scanner,
  type Verdict,
} from './demo-traffic-kit';

export interface TrafficOptions {
  apiUrl: string;
  /** The realtime server, http:// or ws://. */
  realtimeUrl: string;
  apiKey: string;
  eventId: number;
  seconds: number;
  /** Scans a second across all scanners, on average over the run. */
  rate: number;
  log?: (message: string) => void;
  /** Ends the rush early (Ctrl-C); the run still syncs, closes and summarises. */
  signal?: AbortSignal;
}

export interface TrafficSummary {
  event_id: number;
  seconds: number;
  scanners: { device_id: number; name: string; gate: string }[];
  /** Every verdict received, online and synced. */
  scans: number;
  /** Successful scans: first admissions, re-entries and exits. */
  accepted: number;
  /** Tickets admitted for the first time (the dashboard's "Admitted total" grows by this). */
  admitted: number;
  reentries: number;
  exits: number;
  refused: Record<string, number>;
  /** The deliberate second scan of an admitted ticket, refused as already_checked_in. */
  duplicates_refused: number;
  /** Scans re-sent with their scan id, answered from the record and counted once. */
  replayed: number;
  offline_sync: { device_id: number; scans: number; accepted: number; synced_at: string } | null;
  errors: number;
  alerts: Record<string, number>;
  webhooks: { received: number; by_type: Record<string, number> } | null;
  inside_now: number;
  admitted_total: number;
  dashboard: string;
}

export async function runTraffic(o: TrafficOptions): Promise<TrafficSummary> {
  const log = o.log ?? (() => undefined);
  const apiUrl = loopbackOnly(o.apiUrl, 'the API').origin;
  const rtHttp = loopbackOnly(o.realtimeUrl, 'the realtime server');
  const rtWs = `${rtHttp.protocol === 'https:' || rtHttp.protocol === 'wss:' ? 'wss' : 'ws'}://${rtHttp.host}`;
  const rtPage = `${rtWs.replace(/^ws/, 'http')}/checkin/dashboard?event=${o.eventId}&key=${encodeURIComponent(o.apiKey)}`;
  const api = apiClient(apiUrl, o.apiKey);
  const runId = Date.now().toString(36);
  let seq = 0;
  const scanId = (s: Scanner) => `demo-${runId}-d${s.device.id}-${++seq}`;

  const gates = (await api<{ items: GateBody[] }>('GET', `/api/checkin/events/${o.eventId}/gates`)).items;
  const devices = (await api<{ items: DeviceBody[] }>('GET', `/api/checkin/events/${o.eventId}/devices`)).items.filter(
    (d) => d.device_uuid.startsWith('demo-') && d.gate_id !== null,
  );
  if (!devices.length) throw new Error(`event ${o.eventId} has no demo scanners: npm start seeds them`);
  const lanes = await loadLanes(api, o.eventId, gates);
  const scanners: Scanner[] = [];
  for (const d of devices) {
    const gate = gates.find((g) => g.id === d.gate_id) as GateBody;
    const registered = await api<z.infer<typeof RegisteredDevice>>('POST', '/api/checkin/devices/register', {
      event_id: o.eventId,
      device_name: d.device_name,
      device_uuid: d.device_uuid,
      gate_id: d.gate_id,
      ...(d.staff_ref ? { staff_ref: d.staff_ref } : {}),
    });
    const lane = lanes.get(gate.id) as Lane;
    // The VIP lane gets fewer people than a main gate.
    scanners.push({
      device: registered,
      gate,
      token: registered.token,
      lane,
      weight: gate.is_vip ? 0.5 : 1,
      turn: Promise.resolve(),
    });
  }
  const totalWeight = scanners.reduce((a, s) => a + s.weight, 0);
  for (const lane of new Set(lanes.values())) {
    const share = scanners.filter((s) => s.lane === lane).reduce((a, s) => a + s.weight, 0) / totalWeight;
    // Half as many again as the lane's expected arrivals, and some for the offline queue and the duplicate.
    if (share) await fillLane(api, lane, Math.ceil(o.rate * o.seconds * share * 1.5) + 10);
  }
  log(
    `${scanners.length} scanners, ${[...new Set(lanes.values())].reduce((n, l) => n + l.fresh.length, 0)} tickets ready`,
  );
  log(`watch it: ${rtPage}`);

  const summary: TrafficSummary = {
    event_id: o.eventId,
    seconds: o.seconds,
    scanners: scanners.map((s) => ({ device_id: s.device.id, name: s.device.device_name, gate: s.gate.name })),
    scans: 0,
    accepted: 0,
    admitted: 0,
    reentries: 0,
    exits: 0,
    refused: {},
    duplicates_refused: 0,
    replayed: 0,
    offline_sync: null,
    errors: 0,
    alerts: {},
    webhooks: null,
    inside_now: 0,
    admitted_total: 0,
    dashboard: rtPage,
  };

  const receiver = await startReceiver();
  let endpointId: number | undefined;
  try {
    endpointId = (
      await api<{ id: number }>('POST', '/api/webhooks/endpoints', {
        url: receiver.url,
        event_types: ['checkin.*'],
        description: 'npm run demo:traffic (removed when the run ends)',
      })
    ).id;
  } catch (err) {
    // A production-like API refuses loopback receivers; `npm start` allows them (WEBHOOK_ALLOW_PRIVATE_URLS).
    if (!(err instanceof ApiError && err.status === 400)) {
      await receiver.stop();
      throw err;
    }
    log('the API refuses webhooks to 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE_URLS is off): no webhook receiver this run');
  }

  const rush = async (): Promise<void> => {
    const connectUrl = (s: Scanner) => `${rtWs}/api/checkin/scanner?token=${encodeURIComponent(s.token)}`;
    for (const s of scanners) s.socket = await ScannerSocket.connect(connectUrl(s));
    const heartbeats = setInterval(() => scanners.forEach((s) => s.socket?.heartbeat()), HEARTBEAT_MS);

    /** Tickets on their way back in after going out. */
    const returning = new Set<string>();
    /** Where the ticket goes after its verdict. */
    const settle = (s: Scanner, msg: ScanMessage, v: Verdict): void => {
      summary.scans++;
      if (v.replayed) {
        summary.replayed++;
        return;
      }
      if (v.verdict === 'success') {
        summary.accepted++;
        if (msg.direction === 'entry') {
          if (returning.delete(msg.code)) summary.reentries++;
          else summary.admitted++;
          s.lane.inside.add(msg.code);
        } else {
          summary.exits++;
          s.lane.out.add(msg.code);
        }
        s.lastSuccess = msg;
      } else {
        // The demo does not try a refused ticket again.
        returning.delete(msg.code);
        bump(summary.refused, v.verdict);
      }
    };
    const send = async (s: Scanner, code: string, direction: Direction): Promise<Verdict | undefined> => {
      const msg: ScanMessage = {
        type: 'scan',
        scan_id: scanId(s),
        code,
        direction,
        scanned_at: new Date().toISOString(),
      };
      try {
        const v = await (s.socket as ScannerSocket).scan(msg);
        settle(s, msg, v);
        return v;
      } catch (err) {
        summary.errors++;
        // Whether it was recorded is unknown: the demo leaves that ticket alone from now on.
        log(`${s.device.device_name}: ${String(err)}`);
        return undefined;
      }
    };

    const started = Date.now();
    let stopAt = started + o.seconds * 1000;
    o.signal?.addEventListener('abort', () => {
      stopAt = Date.now();
    });
    const progress = () => Math.min(1, (Date.now() - started) / (o.seconds * 1000));
    const onTurn = <T>(s: Scanner, fn: () => Promise<T>): Promise<T> => {
      const next = s.turn.then(fn);
      s.turn = next.catch(() => undefined);
      return next;
    };

    /** One person at the gate: mostly arrivals, some leaving once the doors have been open a while. */
    const step = async (s: Scanner): Promise<void> => {
      const { lane } = s;
      if (s.queue) {
        const code = lane.fresh.pop();
        if (code)
          s.queue.push({
            type: 'scan',
            scan_id: scanId(s),
            code,
            direction: 'entry',
            scanned_at: new Date().toISOString(),
          });
        return;
      }
      const leaving = progress() > 0.3 && Math.random() < 0.1 && lane.inside.size > 0;
      if (!leaving && lane.fresh.length) return void (await send(s, lane.fresh.pop() as string, 'entry'));
      const back = leaving ? undefined : takeRandom(lane.out);
      if (back) {
        returning.add(back);
        return void (await send(s, back, 'entry'));
      }
      const out = takeRandom(lane.inside);
      if (out) await send(s, out, 'exit');
    };

    /** A rush: 0.3 times the mean rate as the doors open, 1.4 times at the peak, the mean over the run. */
    const shape = (x: number) => 0.3 + 1.1 * Math.sin(Math.PI * x);
    /** Arrivals on a clock of their own (a slow verdict does not thin the queue); the first as the doors open. */
    const loop = async (s: Scanner): Promise<void> => {
      const mean = (o.rate * s.weight) / totalWeight;
      for (let next = Date.now(); next < stopAt;) {
        await sleep(Math.min(stopAt, next) - Date.now());
        if (Date.now() >= stopAt) break;
        await onTurn(s, () => step(s));
        const perSecond = Math.max(0.05, mean * shape(progress()));
        next += (-Math.log(1 - Math.random()) / perSecond) * 1000;
      }
    };

    const openGates = scanners.filter((s) => !s.gate.is_vip);
    const main = openGates.length ? openGates : scanners;
    const offlineScanner = main.find((s) => s.gate.name === 'South') ?? main[main.length - 1];
    /** Waits for that moment of the run; false when the run was stopped before it. */
    const at = async (fraction: number): Promise<boolean> => {
      const target = started + fraction * o.seconds * 1000;
      while (Date.now() < Math.min(target, stopAt)) await sleep(Math.min(100, target - Date.now()));
      return target <= stopAt;
    };

    /** Someone passes their ticket back over the fence: its second scan, at another scanner, is refused. */
    const duplicate = async (): Promise<void> => {
      if (!(await at(AT.duplicate))) return;
      const first = main[0];
      const second = main.find((s) => s !== first && s !== offlineScanner) ?? main[main.length - 1];
      let code = [...first.lane.inside][0];
      if (!code) {
        const fresh = first.lane.fresh.pop();
        if (!fresh || (await onTurn(first, () => send(first, fresh, 'entry')))?.verdict !== 'success') return;
        code = fresh;
      }
      first.lane.inside.delete(code);
      const v = await onTurn(second, () => send(second, code, 'entry'));
      if (v?.verdict === 'already_checked_in') {
        summary.duplicates_refused++;
        log(
          `duplicate: ${code} refused at ${second.gate.name} (${v.first_admission ? 'first in at gate ' + v.first_admission.gate_id : ''})`,
        );
      }
      first.lane.inside.add(code);
    };

    /** A verdict lost on the way back: the scanner re-sends the same scan id and gets the stored answer. */
    const replay = async (): Promise<void> => {
      if (!(await at(AT.replay))) return;
      const s = main.find((x) => x.lastSuccess && x !== offlineScanner) ?? scanners.find((x) => x.lastSuccess);
      if (!s?.lastSuccess) return;
      const msg = s.lastSuccess;
      await onTurn(s, async () => {
        const v = await (s.socket as ScannerSocket).scan(msg).catch(() => undefined);
        if (v) settle(s, msg, v);
      });
      log(`replay: ${msg.scan_id} re-sent by ${s.device.device_name}`);
    };

    /** The scanner loses its network, keeps scanning against its manifest, and syncs when it is back. */
    const offline = async (): Promise<void> => {
      const s = offlineScanner;
      if (!(await at(AT.offline))) return;
      await onTurn(s, async () => {
        await s.socket?.close();
        s.queue = [];
        log(`${s.device.device_name} offline`);
      });
      await at(AT.online);
      await onTurn(s, async () => {
        const queue = s.queue ?? [];
        while (queue.length < MIN_OFFLINE_SCANS && s.lane.fresh.length) {
          const code = s.lane.fresh.pop() as string;
          queue.push({
            type: 'scan',
            scan_id: scanId(s),
            code,
            direction: 'entry',
            scanned_at: new Date().toISOString(),
          });
        }
        s.queue = undefined;
        if (queue.length) {
          const synced = await api<z.infer<typeof SyncResult>>('POST', '/api/checkin/sync', {
            device_id: s.device.id,
            scans: queue.map(({ scan_id, code, direction, scanned_at }) => ({ scan_id, code, direction, scanned_at })),
          });
          synced.results.forEach((v, i) => settle(s, queue[i], v));
          summary.offline_sync = {
            device_id: s.device.id,
            scans: queue.length,
            accepted: synced.results.filter((v) => v.verdict === 'success').length,
            synced_at: synced.synced_at,
          };
          log(`${s.device.device_name} back online: synced ${queue.length} offline scans`);
        }
        s.socket = await ScannerSocket.connect(connectUrl(s));
      });
    };

    try {
      await Promise.all([...scanners.map(loop), duplicate(), replay(), offline()]);
    } finally {
      clearInterval(heartbeats);
      await Promise.all(scanners.map((s) => s.turn));
      await Promise.all(scanners.map((s) => s.socket?.close()));
    }
    log(
      `rush over: ${summary.scans} verdicts, ${summary.admitted} admitted, ${summary.reentries} back in, ${summary.exits} out`,
    );
    const since = new Date(started).toISOString();
    const alerts = (
      await api<{ items: { kind: string; created_at: string }[] }>('GET', `/api/checkin/events/${o.eventId}/alerts`)
    ).items.filter((a) => a.created_at >= since);
    for (const a of alerts) bump(summary.alerts, a.kind);
    if (endpointId !== undefined) {
      const deadline = Date.now() + WEBHOOK_WAIT_MS;
      while ((receiver.received['checkin.alert'] ?? 0) < alerts.length && Date.now() < deadline) await sleep(200);
      log(`webhooks: ${receiver.received['checkin.alert'] ?? 0} of ${alerts.length} alerts delivered`);
      const byType = { ...receiver.received };
      summary.webhooks = { received: Object.values(byType).reduce((a, b) => a + b, 0), by_type: byType };
    }
  };

  // However the run ends, the scanners are switched off and the receiver unsubscribed.
  const cleanUp = async (): Promise<void> => {
    for (const s of scanners)
      await api('PATCH', `/api/checkin/devices/${s.device.id}`, { status: 'inactive' }).catch((err: unknown) =>
        log(`could not switch ${s.device.device_name} off: ${String(err)}`),
      );
    if (endpointId !== undefined)
      await api('DELETE', `/api/webhooks/endpoints/${endpointId}`).catch((err: unknown) =>
        log(`could not remove the webhook endpoint ${endpointId}: ${String(err)}`),
      );
    await receiver.stop();
  };
  try {
    await rush();
  } finally {
    await cleanUp();
  }
  const status = await api<z.infer<typeof StatusBody>>('GET', `/api/checkin/events/${o.eventId}/status`);
  summary.inside_now = status.inside;
  summary.admitted_total = status.admitted;
  return summary;
}

interface DemoFile {
  realtime?: string;
  api?: string;
  apiKey?: string;
  eventId?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '60' }, rate: { type: 'string', default: '5' } },
  });
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  if (!(seconds > 0 && seconds <= 3600)) throw new Error('--seconds must be between 0 and 3600');
  if (!(rate > 0 && rate <= 1000)) throw new Error('--rate must be between 0 and 1000 scans a second');
  const file = path.resolve(__dirname, '..', '.data', 'demo.json');
  let demo: DemoFile = {};
  try {
    demo = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoFile;
  } catch {
    /* env only */
  }
  const env = process.env;
  const apiUrl = env.USHER_API_URL ?? demo.api;
  const realtimeUrl = env.USHER_REALTIME_URL ?? demo.realtime;
  const apiKey = env.USHER_API_KEY ?? demo.apiKey;
  const eventId = Number(env.USHER_EVENT_ID ?? demo.eventId);
  if (!apiUrl || !realtimeUrl || !apiKey || !Number.isSafeInteger(eventId))
    throw new Error(
      `no demo stack found: run \`npm start\` first (it writes ${file}), or set USHER_API_URL, USHER_REALTIME_URL, USHER_API_KEY and USHER_EVENT_ID`,
    );
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const log = (m: string) => console.error(`[demo:traffic] ${m}`);
  log(`${seconds}s at about ${rate} scans/s`);
  const summary = await runTraffic({ apiUrl, realtimeUrl, apiKey, eventId, seconds, rate, log, signal: abort.signal });
  console.log(JSON.stringify(summary, null, 2));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[demo:traffic] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
