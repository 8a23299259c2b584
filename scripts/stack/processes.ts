/**
 * Process supervision for the local stack: every process we spawn dies with us,
 * shutdown hooks run on a signal, and children keep an output tail for errors.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { errorText } from './wait';

export type Log = (msg: string) => void;

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
export async function run(command: string, args: string[], opts: SpawnOptions = {}): Promise<void> {
  const proc = spawnManaged(command, args, opts);
  const info = await proc.exited;
  if (info.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} ${describeExit(info)}\n${proc.tail.text()}`);
  }
}

// ---------------------------------------------------------------------------
// Any process, by pid

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
