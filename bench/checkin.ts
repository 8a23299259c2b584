/**
 * Check-in benchmark: `npm run bench:checkin`. Embedded Postgres, 100,000 tickets, the realtime
 * server in its own process and 32 scanner connections from this one. Prints one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { Pool } from 'pg';
import { createDb } from '../db/connection';
import { migrate } from '../db/migrate';
import { newDeviceToken } from '../db/checkin/devices';
import { appDatabaseUrl } from '../lib/config';
import { createDatabase, startPostgres } from '../scripts/stack/postgres';
import { freePort } from '../scripts/stack/wait';
import type { ScannerServerMessage } from '../realtime/protocol';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const CONNECTIONS = 32;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const SINGLE_SCANS = 1000;
const APP_PASSWORD = 'usher_bench_app_password';
const root = path.resolve(__dirname, '..');

function startChild(script: string, env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  // Node itself with tsx's loader, so the child's pid is the server's and SIGKILL really kills it.
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the realtime server there when it stops.
  const profile =
    process.env.BENCH_CPU_PROF && script.startsWith('realtime')
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(root, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (process.env.BENCH_CHILD_LOG) fs.appendFileSync(process.env.BENCH_CHILD_LOG, d);
      if (ready.test(out)) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`)));
  });
}

function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

/** Each connection keeps `WINDOW` scans in flight over its share of the codes; resolves with acks seen. */
async function closedLoop(
  socks: WebSocket[],
  codes: string[],
  prefix: string,
  onAck?: (acked: number) => void,
): Promise<{ acked: Map<string, string>; elapsedMs: number }> {
  const acked = new Map<string, string>();
  const started = Date.now();
  await Promise.all(
    socks.map(
      (ws, c) =>
        new Promise<void>((resolve) => {
          const mine = codes.filter((_, i) => i % socks.length === c);
          let next = 0;
          let inFlight = 0;
          const send = () => {
            while (inFlight < WINDOW && next < mine.length) {
              const code = mine[next++];
              inFlight++;
              ws.send(
                JSON.stringify({
                  type: 'scan',
                  scan_id: `${prefix}-${code}`,
                  code,
                  scanned_at: new Date().toISOString(),
                }),
              );
            }
            if (inFlight === 0) resolve();
          };
          ws.on('message', (d: Buffer) => {
            const m = JSON.parse(d.toString()) as ScannerServerMessage;
            if (m.type !== 'verdict' && m.type !== 'error') return;
            if (m.type === 'verdict') acked.set(m.scan_id, m.verdict);
            onAck?.(acked.size);
            inFlight--;
            send();
          });
          ws.on('close', () => resolve());
          send();
        }),
    ),
  );
  return { acked, elapsedMs: Date.now() - started };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-bench-'));
  const pg = await startPostgres({ dataDir: path.join(work, 'pg'), port: await freePort() });
  const children: ChildProcess[] = [];
  try {
    const ownerUrl = await createDatabase(pg.url, 'usher_bench');
    await migrate(ownerUrl, APP_PASSWORD);
    const appUrl = appDatabaseUrl(ownerUrl, APP_PASSWORD);
    const owner = createDb(ownerUrl, 4);

    // ---- seed: one tenant, one event, 100,000 tickets, a gate and a scanner device ----
    const tenantId = 'bench';
    await owner('tenants').insert({ id: tenantId, name: 'Bench' });
    await owner('tenant_modules').insert({ tenant_id: tenantId, module: 'checkin' });
    const starts = new Date(Date.now() + 3_600_000);
    const [event] = await owner('events')
      .insert({
        tenant_id: tenantId,
        name: 'Bench',
        venue_name: 'Arena',
        timezone: 'UTC',
        starts_at: starts,
        ends_at: new Date(starts.getTime() + 3_600_000),
        capacity: TICKETS,
        status: 'on_sale',
      })
      .returning('id');
    const [tt] = await owner('ticket_types')
      .insert({
        tenant_id: tenantId,
        event_id: event.id,
        name: 'GA',
        price_minor: 1000,
        currency: 'EUR',
        inventory: TICKETS,
        sold: TICKETS,
      })
      .returning('id');
    const [customer] = await owner('customers')
      .insert({ tenant_id: tenantId, email: 'bench@example.com', name: 'Bench' })
      .returning('id');
    const [order] = await owner('orders')
      .insert({
        tenant_id: tenantId,
        event_id: event.id,
        customer_id: customer.id,
        order_number: 'B-1',
        status: 'paid',
        currency: 'EUR',
        total_minor: 0,
        payment_provider: 'offline',
      })
      .returning('id');
    await owner.raw(
      `insert into tickets (tenant_id, event_id, order_id, ticket_type_id, customer_id, code, holder_name)
      select ?, ?, ?, ?, ?, 'BENCH' || lpad(g::text, 8, '0'), 'Guest ' || g from generate_series(1, ?) g`,
      [tenantId, event.id, order.id, tt.id, customer.id, TICKETS],
    );
    await owner.raw('analyze');
    // A running cluster reuses its WAL segments; this fresh one would zero-fill each new 16 MB
    // segment inside some commit, stalling every batch ~20 ms. A checkpoint recycles old ones.
    await owner.raw('checkpoint');
    const [gate] = await owner('checkin_gates')
      .insert({ tenant_id: tenantId, event_id: event.id, name: 'Main' })
      .returning('id');
    const { token, hash } = newDeviceToken(tenantId);
    await owner('checkin_devices').insert({
      tenant_id: tenantId,
      event_id: event.id,
      device_name: 'bench',
      device_uuid: 'bench',
      gate_id: gate.id,
      token_hash: hash,
    });
    const codes = (await owner('tickets').orderBy('id').pluck('code')) as string[];

    const startRealtime = async (): Promise<{ child: ChildProcess; url: string; native: boolean }> => {
      const port = await freePort();
      const child = await startChild(
        'realtime/main.ts',
        {
          DATABASE_URL: ownerUrl,
          APP_DATABASE_URL: appUrl,
          REALTIME_PORT: String(port),
          LOG_LEVEL: process.env.BENCH_RT_LOG ?? 'info',
          DATABASE_POOL_MAX: '8',
        },
        /realtime listening/,
      );
      children.push(child);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { uws?: string };
      return {
        child,
        url: `ws://127.0.0.1:${port}/api/checkin/scanner?token=${token}`,
        native: health.uws === 'native',
      };
    };

    // ---- raw uWebSockets.js echo throughput ----
    const echoPort = await freePort();
    const echo = await startChild('bench/echo-server.ts', { PORT: String(echoPort) }, /ready/);
    children.push(echo);
    const echoSocks = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => connect(`ws://127.0.0.1:${echoPort}/echo`)),
    );
    let echoed = 0;
    const echoMs = 3000;
    const echoStart = Date.now();
    await Promise.all(
      echoSocks.map(
        (ws) =>
          new Promise<void>((resolve) => {
            const payload = JSON.stringify({
              type: 'scan',
              scan_id: 'echo-000000',
              code: 'BENCH00000000',
              scanned_at: new Date().toISOString(),
            });
            let inFlight = 0;
            const pump = () => {
              while (inFlight < WINDOW && Date.now() - echoStart < echoMs) {
                inFlight++;
                ws.send(payload);
              }
              if (inFlight === 0) resolve();
            };
            ws.on('message', () => {
              echoed++;
              inFlight--;
              pump();
            });
            pump();
          }),
      ),
    );
    const echoPerS = echoed / ((Date.now() - echoStart) / 1000);
    echoSocks.forEach((ws) => ws.close());
    echo.kill('SIGTERM');

    // ---- Postgres single-row commits: 32 clients, one autocommitted insert each at a time ----
    const pool = new Pool({ connectionString: ownerUrl, max: CONNECTIONS });
    await pool.query(
      'create table bench_commits (id bigint generated always as identity primary key, v text not null)',
    );
    let commits = 0;
    const commitMs = 3000;
    const commitStart = Date.now();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() - commitStart < commitMs) {
          await pool.query('insert into bench_commits (v) values ($1)', ['x']);
          commits++;
        }
      }),
    );
    const singleCommitPerS = commits / ((Date.now() - commitStart) / 1000);
    await pool.end();

    // ---- durable scans: 32 connections, closed loop, unique tickets ----
    const rt = await startRealtime();
    const socks = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(rt.url)));
    const sustained = codes.slice(0, Math.floor(TICKETS * 0.6));
    const load = await closedLoop(socks, sustained, 'sustained');
    const durablePerS = load.acked.size / (load.elapsedMs / 1000);

    // ---- latency at an offered 2,000 scans/s, open loop ----
    // The flood's WAL segments recycled too (see the checkpoint after seeding).
    await owner.raw('checkpoint');
    const latencyCodes = codes.slice(sustained.length, sustained.length + 10_000);
    const latencies: number[] = [];
    await new Promise<void>((resolve) => {
      const sentAt = new Map<string, number>();
      for (const ws of socks) {
        ws.removeAllListeners('message');
        ws.on('message', (d: Buffer) => {
          const m = JSON.parse(d.toString()) as ScannerServerMessage;
          if (m.type !== 'verdict') return;
          const t0 = sentAt.get(m.scan_id);
          if (t0 !== undefined) latencies.push(Number(process.hrtime.bigint() / 1000n) / 1000 - t0);
          if (latencies.length === latencyCodes.length) resolve();
        });
      }
      const begin = Date.now();
      let sent = 0;
      const tick = setInterval(() => {
        const due = Math.min(latencyCodes.length, Math.floor(((Date.now() - begin) * 2000) / 1000));
        for (; sent < due; sent++) {
          const code = latencyCodes[sent];
          const scanId = `lat-${code}`;
          sentAt.set(scanId, Number(process.hrtime.bigint() / 1000n) / 1000);
          socks[sent % CONNECTIONS].send(
            JSON.stringify({ type: 'scan', scan_id: scanId, code, scanned_at: new Date().toISOString() }),
          );
        }
        if (sent >= latencyCodes.length) clearInterval(tick);
      }, 1);
    });
    latencies.sort((a, b) => a - b);

    // ---- light load: one scan at a time, as a gate sees between rushes ----
    const singleCodes = codes.slice(
      sustained.length + latencyCodes.length,
      sustained.length + latencyCodes.length + SINGLE_SCANS,
    );
    const single: number[] = [];
    const lone = socks[0];
    let answered = (): void => undefined;
    lone.removeAllListeners('message');
    lone.on('message', () => answered());
    for (const code of singleCodes) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        answered = resolve;
        lone.send(
          JSON.stringify({ type: 'scan', scan_id: `single-${code}`, code, scanned_at: new Date().toISOString() }),
        );
      });
      single.push(performance.now() - t0);
    }
    single.sort((a, b) => a - b);
    socks.forEach((ws) => ws.close());
    rt.child.kill('SIGTERM');
    await new Promise((r) => rt.child.once('exit', r));

    // ---- crash: SIGKILL the realtime process mid-load; every acknowledged success must be in Postgres ----
    const crashRt = await startRealtime();
    const crashSocks = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(crashRt.url)));
    const crashCodes = codes.slice(sustained.length + latencyCodes.length + SINGLE_SCANS);
    // Killed mid-load: once a few thousand verdicts are out, with batches still in flight.
    const crash = await closedLoop(crashSocks, crashCodes, 'crash', (n) => {
      if (n >= 5000 && crashRt.child.exitCode === null && !crashRt.child.killed) crashRt.child.kill('SIGKILL');
    });
    const ackedSuccess = [...crash.acked].filter(([, v]) => v === 'success').map(([id]) => id);
    const stored = new Set(
      (await owner('checkin_scans')
        .where({ tenant_id: tenantId, verdict: 'success' })
        .whereIn('scan_id', ackedSuccess)
        .pluck('scan_id')) as string[],
    );
    const lostAcks = ackedSuccess.filter((id) => !stored.has(id)).length;

    const [{ n: doubles }] = (
      await owner.raw<{ rows: { n: number }[] }>(`select count(*)::int as n from (
      select ticket_id from checkin_scans where verdict = 'success' and direction = 'entry' group by ticket_id having count(*) > 1) d`)
    ).rows;
    const [{ n: admissions }] = (
      await owner.raw<{ rows: { n: number }[] }>('select count(*)::int as n from checkin_presence')
    ).rows;

    console.log(
      JSON.stringify(
        {
          tickets: TICKETS,
          connections: CONNECTIONS,
          window_per_connection: WINDOW,
          cpus: os.cpus().length,
          uws_native: rt.native && crashRt.native,
          durable_scans_per_s: Math.round(durablePerS),
          sustained_scans: load.acked.size,
          p50_ms_at_2000: round(percentile(latencies, 50)),
          p99_ms_at_2000: round(percentile(latencies, 99)),
          latency_samples: latencies.length,
          p50_ms_single: round(percentile(single, 50)),
          p99_ms_single: round(percentile(single, 99)),
          echo_per_s: Math.round(echoPerS),
          single_commit_per_s: Math.round(singleCommitPerS),
          durable_vs_echo: round(durablePerS / echoPerS, 3),
          durable_vs_single_commit: round(durablePerS / singleCommitPerS, 1),
          double_admissions: doubles,
          admissions,
          crash_acked_successes: ackedSuccess.length,
          lost_acks_after_kill: lostAcks,
        },
        null,
        2,
      ),
    );
    await owner.destroy();
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await pg.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
