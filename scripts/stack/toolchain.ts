/**
 * Shared plumbing for the local stack: where binaries live, how to obtain the
 * Temporal CLI and stripe-mock, process supervision and small wait helpers.
 *
 * Run directly (`npx tsx scripts/stack/toolchain.ts`) to pre-warm the cache:
 * it ensures both binaries and prints their paths as JSON.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type Log = (msg: string) => void;

const noLog: Log = () => undefined;

// ---------------------------------------------------------------------------
// Cache layout

export function cacheDir(): string {
  const base = process.env.USHER_CACHE_DIR || process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.resolve(base, 'usher');
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  return dir;
}

function binDir(): string {
  return path.join(cacheDir(), 'bin');
}

// ---------------------------------------------------------------------------
// Shutdown registry: every process we spawn must die with us.

type ShutdownHook = () => void | Promise<void>;

const hooks: ShutdownHook[] = [];
const exitHooks = new Set<() => void>();
const children = new Set<ChildProcess>();
let handlersInstalled = false;
let shuttingDown = false;

/** Overall budget for async hooks once a signal arrived. */
const SIGNAL_SHUTDOWN_BUDGET_MS = 20_000;

/**
 * Registers a hook to run when the process receives SIGINT/SIGTERM/SIGHUP.
 * Hooks run last-registered-first, so an application that registers after
 * the stack is up gets to drain before its infrastructure is stopped. After
 * the hooks the process exits with 128+signal. Returns an unregister function.
 */
export function onShutdown(hook: ShutdownHook): () => void {
  installHandlers();
  hooks.push(hook);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/**
 * Registers a synchronous last resort for the 'exit' event (normal end,
 * process.exit, crash): signalling a process is about all that works there.
 * Returns an unregister function.
 */
export function onExit(hook: () => void): () => void {
  installHandlers();
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

/** Makes sure `child` gets SIGTERM if we exit, however we exit (short of SIGKILL). */
export function trackChild(child: ChildProcess): void {
  installHandlers();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

function killChildren(signal: NodeJS.Signals): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const hook of exitHooks) hook();
    killChildren('SIGTERM');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void handleSignal(signal));
  }
}

async function handleSignal(signal: NodeJS.Signals): Promise<void> {
  const code = 128 + (os.constants.signals[signal] ?? 0);
  if (shuttingDown) {
    // A second Ctrl-C means "now".
    killChildren('SIGKILL');
    process.exit(code);
  }
  shuttingDown = true;
  const budget = setTimeout(() => {
    killChildren('SIGKILL');
    process.exit(code);
  }, SIGNAL_SHUTDOWN_BUDGET_MS);
  budget.unref();
  for (const hook of [...hooks].reverse()) {
    try {
      await hook();
    } catch (err) {
      console.error(`shutdown hook failed: ${errorText(err)}`);
    }
  }
  killChildren('SIGTERM');
  process.exit(code);
}

// ---------------------------------------------------------------------------
// Child processes

const TAIL_LINES = 50;

/** Keeps the last few lines of a process's output for error messages. */
export class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  text(): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.join('\n');
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (e.g. ENOENT). */
  error?: Error;
}

export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly tail: OutputTail;
  /** Resolves once the process is gone (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** Undefined while running. */
  exitInfo(): ExitInfo | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Own process group, so a terminal Ctrl-C reaches only us and we decide
   * when the service goes down (after the application has drained).
   */
  detached?: boolean;
}

export function spawnManaged(command: string, args: string[], opts: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: opts.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const tail = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk));

  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      info ??= { code: null, signal: null, error };
      resolve(info);
    });
    // 'close' (not 'exit') so the tail holds everything the process wrote.
    child.once('close', (code, signal) => {
      info ??= { code, signal };
      resolve(info);
    });
  });

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (info) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return { child, tail, exited, exitInfo: () => info, stop };
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return `failed to start: ${info.error.message}`;
  return info.signal ? `killed by ${info.signal}` : `exited with code ${String(info.code)}`;
}

/** Runs a command to completion; throws with the output tail on failure. */
async function run(command: string, args: string[], opts: SpawnOptions = {}): Promise<void> {
  const proc = spawnManaged(command, args, opts);
  const info = await proc.exited;
  if (info.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} ${describeExit(info)}\n${proc.tail.text()}`);
  }
}

// ---------------------------------------------------------------------------
// Small async helpers

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the allocated port'))));
    });
  });
}

/** Fails fast with a readable message instead of a service's own bind error. */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`${what}: port ${port} on 127.0.0.1 is not available (${err.code ?? err.message})`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** Thrown from a `waitFor` check to stop waiting immediately (e.g. the process died). */
export class WaitAborted extends Error {
  override name = 'WaitAborted';
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Noun phrase for the error message, e.g. "Temporal on 127.0.0.1:7233". */
  what: string;
}

/**
 * Polls `check` until it returns true. Errors thrown by `check` count as "not
 * yet" (the last one is reported on timeout), except `WaitAborted`.
 */
export async function waitFor(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${errorText(lastError)})`;
      throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${cause}`, { cause: lastError });
    }
    await sleep(interval);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A process's parent and CPU clock ticks (utime + stime, and cutime + cstime of the children it
 * reaped) from /proc/<pid>/stat; undefined when it is gone or this is not Linux.
 */
export function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return { ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
  } catch {
    return undefined;
  }
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------
// Cross-process lock (mkdir is atomic), so concurrent callers such as jest's
// global setup and `npm start` don't run the same multi-minute build twice.

const LOCK_WAIT_MS = 30 * 60_000;
/** A lock dir without an owner file younger than this is still being created. */
const LOCK_OWNERLESS_GRACE_MS = 10_000;

async function withLock<T>(name: string, log: Log, fn: () => Promise<T>): Promise<T> {
  const lockDir = path.join(cacheDir(), `${name}.lock`);
  const ownerFile = path.join(lockDir, 'owner');
  let announced = false;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStaleLock(lockDir, ownerFile)) {
      log(`removing stale lock ${lockDir}`);
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`waiting for another process holding ${lockDir}`);
      announced = true;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for lock ${lockDir}`);
    await sleep(1000);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function isStaleLock(lockDir: string, ownerFile: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(ownerFile, 'utf8'));
  } catch {
    try {
      return Date.now() - fs.statSync(lockDir).mtimeMs > LOCK_OWNERLESS_GRACE_MS;
    } catch {
      return false; // vanished meanwhile: just retry
    }
  }
  return !Number.isInteger(pid) || pid <= 0 || !isPidAlive(pid);
}

// ---------------------------------------------------------------------------
// Binaries

interface BinarySpec {
  /** File name, on PATH and in the cache. */
  name: string;
  /** Environment variable that overrides everything. */
  envVar: string;
  /** `go install` target. */
  goPackage: string;
}

const TEMPORAL_CLI: BinarySpec = {
  name: 'temporal',
  envVar: 'TEMPORAL_CLI_PATH',
  // Later tags carry a replace directive, which `go install pkg@version` rejects.
  goPackage: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
};

const STRIPE_MOCK: BinarySpec = {
  name: 'stripe-mock',
  envVar: 'STRIPE_MOCK_PATH',
  goPackage: 'github.com/stripe/stripe-mock@v0.197.0',
};

/**
 * Finds or builds the Temporal CLI. Order: $TEMPORAL_CLI_PATH, PATH, cache,
 * `go install`.
 *
 * The SDK's ephemeral-server download (@temporalio/testing) is deliberately
 * not used: it only exposes "download and start a server", never the path of
 * the downloaded binary, and it needs internet access these machines lack.
 */
export function ensureTemporalCli(log: Log = noLog): Promise<string> {
  return ensureBinary(TEMPORAL_CLI, log);
}

/** Finds or builds stripe-mock. Order: $STRIPE_MOCK_PATH, PATH, cache, `go install`. */
export function ensureStripeMock(log: Log = noLog): Promise<string> {
  return ensureBinary(STRIPE_MOCK, log);
}

async function ensureBinary(spec: BinarySpec, log: Log): Promise<string> {
  const say = (msg: string): void => log(`[${spec.name}] ${msg}`);

  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    // An explicit setting that is wrong is an error, not something to paper over.
    if (!isExecutable(fromEnv)) throw new Error(`${spec.envVar}=${fromEnv} is not an executable file`);
    say(`using ${spec.envVar}=${fromEnv}`);
    return fromEnv;
  }
  say(`${spec.envVar} not set`);

  const onPath = findOnPath(spec.name);
  if (onPath) {
    say(`using ${onPath} from PATH`);
    return onPath;
  }
  say('not on PATH');

  const cached = path.join(binDir(), spec.name);
  if (isExecutable(cached)) {
    say(`using cached ${cached}`);
    return cached;
  }
  say(`no cached copy at ${cached}`);

  const go = findOnPath('go');
  if (!go) {
    throw new Error(
      `${spec.name} not found: set ${spec.envVar}, put it on PATH or at ${cached}, or install Go so it can be built`,
    );
  }
  return withLock(spec.name, say, async () => {
    // Someone else may have finished the build while we waited for the lock.
    if (isExecutable(cached)) {
      say(`using ${cached}, built by another process`);
      return cached;
    }
    await goInstall(go, spec, cached, say);
    return cached;
  });
}

async function goInstall(go: string, spec: BinarySpec, dest: string, say: Log): Promise<void> {
  // We hold the lock, so any staging directory left is from a killed build.
  const stagePrefix = `.build-${spec.name}-`;
  for (const entry of fs.readdirSync(binDir())) {
    if (entry.startsWith(stagePrefix)) fs.rmSync(path.join(binDir(), entry), { recursive: true, force: true });
  }
  // Build into a private directory and rename, so nobody ever sees a half-written binary.
  const stage = fs.mkdtempSync(path.join(binDir(), stagePrefix));
  const started = Date.now();
  say(`building with go install ${spec.goPackage} (takes minutes the first time)`);
  try {
    await run(go, ['install', '-ldflags=-s -w', spec.goPackage], {
      cwd: stage, // outside any go.mod, so the repository cannot influence the build
      env: { ...process.env, GOBIN: stage },
    });
    fs.renameSync(path.join(stage, spec.name), dest);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  say(`built ${dest} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

if (require.main === module) {
  const log: Log = (msg) => console.error(msg);
  Promise.all([ensureTemporalCli(log), ensureStripeMock(log)]).then(
    ([temporal, stripeMock]) => console.log(JSON.stringify({ temporal, stripeMock }, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
