/**
 * Small async helpers for the local stack: ports, polling until something is up.
 */
import net from 'node:net';

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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
