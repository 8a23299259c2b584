import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { migrate } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { startMailpit, type MailpitHandle } from './stack/mailpit';
import { startPostgres } from './stack/postgres';
import { startTemporal } from './stack/temporal';
import { waitFor } from './stack/wait';
import { seedDemoModules } from './demo-modules';
// --- demo add-ons (demo) ---
import { seedDemoAddOns } from './demo';
// --- end demo add-ons (demo) ---
import { seedDemo, type DemoTenant } from './demo-seed';

const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, '.data');
const demoFile = path.join(dataDir, 'demo.json');
const log = (m: string) => console.log(`[usher] ${m}`);

function readPrevious(): Partial<DemoTenant> | undefined {
  try {
    return JSON.parse(fs.readFileSync(demoFile, 'utf8')) as Partial<DemoTenant>;
  } catch {
    return undefined;
  }
}

function startProcess(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(root, entry)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${name} exited (${signal ?? code}); stopping everything`);
    if (!stopping) void shutdown(1);
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
const stoppers: (() => Promise<void>)[] = [];

async function shutdown(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const force = setTimeout(() => c.kill('SIGKILL'), 15_000);
          c.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
  for (const stop of stoppers.reverse()) await stop().catch((err: unknown) => log(`stop failed: ${String(err)}`));
  log('stopped');
  process.exit(code);
}

/**
 * Mailpit catches every e-mail of a local run, unless SMTP_URL points elsewhere. Building it needs
 * Go the first time; without it the stack still starts and logs e-mails instead of sending them.
 */
async function localMailpit(): Promise<MailpitHandle | undefined> {
  if (process.env.SMTP_URL) return undefined;
  try {
    return await startMailpit({ smtpPort: 1025, uiPort: 8025, dataDir, log });
  } catch (err) {
    log(
      `Mailpit not started, e-mails are logged instead: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
    return undefined;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  const [pg, temporal, mailpit] = await Promise.all([
    startPostgres({ dataDir: path.join(dataDir, 'postgres'), log }),
    startTemporal({ dbFile: path.join(dataDir, 'temporal.sqlite'), port: 7233, uiPort: 8233, log }),
    localMailpit(),
  ]);
  stoppers.push(pg.stop, temporal.stop, ...(mailpit ? [mailpit.stop] : []));

  const env: NodeJS.ProcessEnv = {
    // A local run delivers webhooks to receivers on this machine (examples/webhook-receiver.ts on :4000).
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    // A newcomer's Node 22/24 on an older glibc has no native uWS build: run on the fallback (it warns) rather than stop.
    REALTIME_ALLOW_JS_FALLBACK: 'true',
    ...(mailpit && { SMTP_URL: mailpit.smtpUrl }),
    ...process.env,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
  };
  const config = loadConfig(env);
  const applied = await migrate(config.DATABASE_URL, config.APP_DATABASE_PASSWORD);
  if (applied.length) log(`migrated: ${applied.join(', ')}`);
  const demo = await seedDemo(config, readPrevious());

  children.push(
    startProcess('worker', 'worker.ts', env),
    startProcess('api', 'api/main.ts', env),
    startProcess('realtime', 'realtime/main.ts', env),
    // The native streaming provider's RTMP ingest and HLS packaging (needs ffmpeg, FFMPEG_PATH).
    startProcess('media', 'integrations/streaming/main.ts', env),
  );
  const apiUrl = `http://127.0.0.1:${config.API_PORT}`;
  await waitFor(async () => (await fetch(`${apiUrl}/readyz`).catch(() => undefined))?.ok === true, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: 'the API to become ready',
  });
  await seedDemoModules(apiUrl, demo.apiKey, demo.eventId);
  // --- demo add-ons (demo) ---
  const addOns = await seedDemoAddOns({ apiUrl, ...demo, config, log });
  const addOnLines = (
    [
      ['Stream page', addOns.links.viewer],
      ['Survey page', addOns.links.survey],
      ['Group leader', addOns.links.group],
    ] as const
  )
    .map(([what, url]) => (url ? `\n    ${what.padEnd(12)} ${url}` : ''))
    .join('');
  // --- end demo add-ons (demo) ---

  const summary = {
    api: apiUrl,
    docs: `${apiUrl}/docs`,
    openapi: `${apiUrl}/openapi.json`,
    realtime: `http://127.0.0.1:${config.REALTIME_PORT}`,
    temporal: temporal.address,
    temporal_ui: temporal.uiUrl ?? null,
    mail_ui: mailpit?.uiUrl ?? null,
    database: pg.embedded ? 'embedded (.data/postgres)' : 'DATABASE_URL',
    tenant_id: demo.tenantId,
    api_key: demo.apiKey,
    event_id: demo.eventId,
    started_in_s: Math.round((Date.now() - started) / 100) / 10,
    // --- demo add-ons (demo) ---
    demo_links: addOns.links,
    // --- end demo add-ons (demo) ---
  };
  fs.writeFileSync(
    demoFile,
    JSON.stringify({ ...summary, tenantId: demo.tenantId, apiKey: demo.apiKey, eventId: demo.eventId }, null, 2),
  );
  console.log(`
  Usher is running (${summary.started_in_s}s)
    API          ${summary.api}
    API docs     ${summary.docs}
    Realtime     ${summary.realtime}
    Temporal UI  ${summary.temporal_ui ?? '(external Temporal)'}
    Mail         ${summary.mail_ui ?? (process.env.SMTP_URL ? 'SMTP_URL' : '(no Mailpit: e-mails are logged)')}
    Demo tenant  ${demo.tenantId}, event ${demo.eventId}
    API key      ${demo.apiKey}${addOnLines}

  Try: curl -H "Authorization: Bearer ${demo.apiKey}" ${apiUrl}/api/events/${demo.eventId}
  (also written to .data/demo.json; Ctrl-C stops everything)
`);
}

main().catch((err: unknown) => {
  console.error(err);
  void shutdown(1);
});
