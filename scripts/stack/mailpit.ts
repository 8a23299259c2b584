/**
 * Mailpit for local runs, so a newcomer sees every e-mail the stack sends in a web UI:
 * the binary toolchain provides (built with Go once, then cached). Without Go it is
 * skipped and e-mails are logged, as before.
 */
import path from 'node:path';
import { type Log, describeExit, onShutdown, spawnManaged } from './processes';
import { ensureMailpit } from './toolchain';
import { WaitAborted, assertPortFree, errorText, waitFor } from './wait';

export interface MailpitOptions {
  smtpPort: number;
  uiPort: number;
  /** Directory for Mailpit's database, so mail survives a restart. */
  dataDir: string;
  log?: Log;
}

export interface MailpitHandle {
  /** What SMTP_URL should say. */
  smtpUrl: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export async function startMailpit(opts: MailpitOptions): Promise<MailpitHandle> {
  const log = opts.log ?? (() => undefined);
  const binary = await ensureMailpit(log);
  await Promise.all([assertPortFree(opts.smtpPort, 'Mailpit SMTP'), assertPortFree(opts.uiPort, 'Mailpit UI')]);
  const uiUrl = `http://127.0.0.1:${opts.uiPort}`;
  const proc = spawnManaged(
    binary,
    [
      '--smtp',
      `127.0.0.1:${opts.smtpPort}`,
      '--listen',
      `127.0.0.1:${opts.uiPort}`,
      '--database',
      path.join(opts.dataDir, 'mailpit.db'),
    ],
    { detached: true },
  );
  const unregister = onShutdown(() => proc.stop());
  const stop = async (): Promise<void> => {
    unregister();
    await proc.stop();
  };
  try {
    await waitFor(
      async () => {
        const exit = proc.exitInfo();
        if (exit) throw new WaitAborted(`mailpit ${describeExit(exit)}\n${proc.tail.text()}`);
        const res = await fetch(`${uiUrl}/api/v1/info`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        return res.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `Mailpit on ${uiUrl}` },
    );
  } catch (err) {
    await stop();
    if (err instanceof WaitAborted) throw err;
    throw new Error(`${errorText(err)}\n${proc.tail.text()}`, { cause: err });
  }
  log(`mailpit: SMTP on 127.0.0.1:${opts.smtpPort}, web UI at ${uiUrl}`);
  return { smtpUrl: `smtp://127.0.0.1:${opts.smtpPort}`, uiUrl, stop };
}
