/**
 * The local stack's cache directory, and a cross-process lock on work in it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Log, isPidAlive } from './processes';
import { sleep } from './wait';

export function cacheDir(): string {
  const base = process.env.USHER_CACHE_DIR || process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.resolve(base, 'usher');
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  return dir;
}

export function binDir(): string {
  return path.join(cacheDir(), 'bin');
}

// Cross-process lock (mkdir is atomic), so concurrent callers such as jest's
// global setup and `npm start` don't run the same multi-minute build twice.

const LOCK_WAIT_MS = 30 * 60_000;
/** A lock dir without an owner file younger than this is still being created. */
const LOCK_OWNERLESS_GRACE_MS = 10_000;

export async function withLock<T>(name: string, log: Log, fn: () => Promise<T>): Promise<T> {
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
