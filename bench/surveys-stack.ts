/**
 * The stack both surveys benchmark parts run on, as production runs it: embedded Postgres, a
 * Temporal dev server, a local SMTP receiver, and the worker and API as processes of their own, all
 * on 127.0.0.1 and all stopped when the part is done. A tenant with the surveys module and an
 * event, plus a keep-alive HTTP client for the load.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../db/connection';
import { migrate } from '../db/migrate';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { loadConfig, type Config } from '../lib/config';
import { startPostgres } from '../scripts/stack/postgres';
import { startTemporal } from '../scripts/stack/temporal';
import { freePort } from '../scripts/stack/wait';
import { startSmtpReceiver } from '../test/helpers/smtp';
import { apiReady, startBenchProcess, workerRunning } from './processes';

export interface SurveysBenchStack {
  config: Config;
  owner: Db;
  tenantId: string;
  eventId: number;
  ticketTypeId: number;
  /** Messages the SMTP receiver accepted so far. */
  accepted(): number;
  /** One request through the keep-alive agent: status and body text. */
  call(method: string, url: string, body?: unknown, auth?: boolean): Promise<{ status: number; text: string }>;
}

export async function withSurveysStack<T>(
  name: string,
  opts: { settings: Record<string, unknown>; clients: number },
  fn: (stack: SurveysBenchStack) => Promise<T>,
): Promise<T> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `usher-bench-${name}-`));
  fs.chmodSync(workDir, 0o755);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const [pg, temporal] = await Promise.all([
      startPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort() }),
      startTemporal({ port: await freePort() }),
    ]);
    stops.push(pg.stop, temporal.stop);
    const smtp = await startSmtpReceiver();
    stops.push(smtp.stop);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'info',
      PAYMENT_PROVIDER: 'offline',
      TEMPORAL_TASK_QUEUE: `bench-${name}`,
      API_PORT: String(await freePort()),
    };
    const config = loadConfig(env);
    await migrate(config.DATABASE_URL, config.APP_DATABASE_PASSWORD);
    const owner = createDb(config.DATABASE_URL, 2);
    stops.push(() => owner.destroy());
    const worker = startBenchProcess('worker.ts', env);
    stops.push(() => worker.stop());
    const api = startBenchProcess('api/main.ts', env);
    stops.push(() => api.stop());
    const baseUrl = `http://127.0.0.1:${config.API_PORT}`;
    // Generous: the two cores are shared with everything else the machine runs.
    await Promise.all([workerRunning(worker, 240_000), apiReady(api, baseUrl, 240_000)]);

    const tenant = await createTenant(owner, { name: 'Surveys bench' });
    await upsertModule(owner, tenant.id, 'surveys', { enabled: true, settings: opts.settings });
    const { key } = await createApiKey(owner, tenant.id, 'bench', ['admin']);
    // Plain keep-alive HTTP: the load generator shares the two cores with what it measures.
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.clients });
    stops.push(async () => agent.destroy());
    const call: SurveysBenchStack['call'] = (method, url, body, auth = true) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = http.request(
          baseUrl + url,
          {
            method,
            agent,
            headers: {
              ...(auth ? { authorization: `Bearer ${key}` } : {}),
              ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    // Under way until the bench ends it: an end time already past would have the event lifecycle end it
    // (and send its surveys) on its own, before the survey exists and before the timed request.
    const starts = new Date(Date.now() - 3_600_000);
    const event = await call('POST', '/api/events', {
      name: 'Bench festival',
      venue: { name: 'Arena' },
      timezone: 'UTC',
      status: 'on_sale',
      starts_at: starts.toISOString(),
      ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
      capacity: 1_000_000,
    });
    if (event.status !== 201) throw new Error(`event: ${event.status} ${event.text}`);
    const eventId = (JSON.parse(event.text) as { id: number }).id;
    const tt = await call('POST', `/api/events/${eventId}/ticket-types`, {
      name: 'GA',
      price_minor: 5000,
      currency: 'EUR',
      inventory: 1_000_000,
    });
    const ticketTypeId = (JSON.parse(tt.text) as { id: number }).id;
    return await fn({
      config,
      owner,
      tenantId: tenant.id,
      eventId,
      ticketTypeId,
      accepted: () => smtp.messages.length,
      call,
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * `n` customers with one ticket each for the event, the first `checkedIn` of them admitted at a
 * gate, set-based through the owner connection (the check-in path has its own benchmark).
 */
export async function seedAudience(s: SurveysBenchStack, n: number, checkedIn: number): Promise<void> {
  await s.owner.raw(
    `insert into customers (tenant_id, email, name) select ?, 'fan' || g || '@example.com', 'Fan ' || g from generate_series(1, ?) g`,
    [s.tenantId, n],
  );
  await s.owner.raw(
    `with c as (select id, row_number() over (order by id) as n from customers where tenant_id = :tenant),
     o as (
       insert into orders (tenant_id, event_id, customer_id, order_number, status, currency, total_minor, payment_provider, paid_at)
       select :tenant, :event, id, 'S-' || n, 'paid', 'EUR', 5000, 'offline', now() from c returning id, customer_id)
     insert into tickets (tenant_id, event_id, order_id, ticket_type_id, customer_id, code)
     select :tenant, :event, o.id, :tt, o.customer_id, 'SV-' || o.id from o`,
    { tenant: s.tenantId, event: s.eventId, tt: s.ticketTypeId },
  );
  const [gate] = await s
    .owner('checkin_gates')
    .insert({ tenant_id: s.tenantId, event_id: s.eventId, name: 'Main' })
    .returning('id');
  await s.owner.raw(
    `insert into checkin_presence (ticket_id, tenant_id, event_id, ticket_type_id, gate_id, first_scan_id, first_gate_id, first_admitted_at)
     select id, tenant_id, event_id, ticket_type_id, :gate, 'scan-' || id, :gate, now() - interval '2 hours'
     from tickets where event_id = :event order by id limit :n`,
    { gate: gate.id, event: s.eventId, n: checkedIn },
  );
  await s.owner.raw('analyze');
}

export const BENCH_QUESTIONS = [
  { id: 'nps', type: 'nps', text: 'How likely are you to recommend us?', required: true },
  { id: 'sound', type: 'rating', text: 'Rate the sound' },
  { id: 'why', type: 'text', text: 'Anything to add?' },
];
