/**
 * stripe-mock (Stripe's official API mock) for development and tests:
 * $STRIPE_MOCK_URL when set, otherwise the binary toolchain provides.
 */
import { type Log, describeExit, onShutdown, spawnManaged } from './processes';
import { ensureStripeMock } from './toolchain';
import { WaitAborted, errorText, freePort, waitFor } from './wait';

/** Any sk_test_ key works against stripe-mock. */
export const STRIPE_MOCK_API_KEY = 'sk_test_123';

export interface StripeMockOptions {
  /** Free port when omitted. */
  port?: number;
  log?: Log;
}

export interface StripeMockHandle {
  /** Base URL, e.g. http://127.0.0.1:12111 */
  url: string;
  stop(): Promise<void>;
}

export async function startStripeMock(opts: StripeMockOptions = {}): Promise<StripeMockHandle> {
  const log = opts.log ?? (() => undefined);
  const external = process.env.STRIPE_MOCK_URL;
  if (external) {
    log(`stripe-mock: using STRIPE_MOCK_URL=${external}`);
    return { url: external, stop: async () => undefined };
  }

  const binary = await ensureStripeMock(log);
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  // -http-addr keeps it on loopback (-http-port binds every interface), but unlike
  // -http-port it leaves HTTPS on its default :12112, so park that on a random port.
  const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:0'];
  const proc = spawnManaged(binary, args, { detached: true });
  const unregister = onShutdown(() => proc.stop());
  const stop = async (): Promise<void> => {
    unregister();
    await proc.stop();
  };

  try {
    await waitFor(
      async () => {
        const exit = proc.exitInfo();
        if (exit) throw new WaitAborted(`stripe-mock ${describeExit(exit)}\n${proc.tail.text()}`);
        const res = await fetch(`${url}/v1/customers`, {
          headers: { Authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
          signal: AbortSignal.timeout(1000),
        });
        await res.body?.cancel(); // release the connection
        return res.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `stripe-mock on ${url}` },
    );
  } catch (err) {
    await stop();
    if (err instanceof WaitAborted) throw err;
    throw new Error(`${errorText(err)}\n${proc.tail.text()}`, { cause: err });
  }
  log(`stripe-mock: ready at ${url} (${Date.now() - started} ms)`);
  return { url, stop };
}
