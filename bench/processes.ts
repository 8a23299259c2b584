/**
 * The project's own processes in a benchmark, started as production runs them: the API (`api/main.ts`) and the
 * worker (`worker.ts`), each in a process of its own.
 */
import path from 'node:path';
import { describeExit, spawnManaged, type ManagedProcess } from '../scripts/stack/processes';
import { waitFor, WaitAborted } from '../scripts/stack/wait';

const root = path.resolve(__dirname, '..');

/** Starts `entry` (relative to the project root); BENCH_CPU_PROF=<dir> writes its V8 CPU profile there when it stops. */
export function startBenchProcess(entry: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return spawnManaged(process.execPath, [...profile, '--import', 'tsx', path.join(root, entry)], { env });
}

/** Stops a wait at once when the process it waits for has died, with what it printed. */
function alive(proc: ManagedProcess): boolean {
  const exit = proc.exitInfo();
  if (exit) throw new WaitAborted(`${proc.child.spawnargs.at(-1)} ${describeExit(exit)}\n${proc.tail.text()}`);
  return true;
}

/** Waits until the API process at `baseUrl` answers `/readyz`. */
export function apiReady(api: ManagedProcess, baseUrl: string, timeoutMs: number): Promise<void> {
  return waitFor(async () => alive(api) && (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.ok === true, {
    timeoutMs,
    intervalMs: 100,
    what: 'the API to be ready',
  });
}

/** Waits until the worker process reports it runs. */
export function workerRunning(worker: ManagedProcess, timeoutMs: number): Promise<void> {
  return waitFor(async () => alive(worker) && worker.tail.text().includes('"worker running"'), {
    timeoutMs,
    intervalMs: 100,
    what: 'the worker to run',
  });
}
