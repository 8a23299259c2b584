/**
 * Temporal for development and tests: $TEMPORAL_ADDRESS when set, otherwise
 * `temporal server start-dev` from the CLI binary that toolchain provides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
// Transitive dependency of @temporalio/client; the generated gRPC enums live only here.
import { temporal } from '@temporalio/proto';
import { type Log, type ManagedProcess, describeExit, onShutdown, spawnManaged } from './processes';
import { ensureTemporalCli } from './toolchain';
import { WaitAborted, assertPortFree, errorText, waitFor } from './wait';

export const DEFAULT_TEMPORAL_PORT = 7233;
/** What `npm start` passes as uiPort; without a uiPort the dev server runs headless. */
export const DEFAULT_TEMPORAL_UI_PORT = 8233;

/** Custom search attributes the application queries workflows by. */
export const SEARCH_ATTRIBUTES = ['TenantId', 'EventId'] as const;

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
/** gRPC status ALREADY_EXISTS. */
const GRPC_ALREADY_EXISTS = 6;

export interface TemporalOptions {
  /** SQLite file for persistence across runs; in-memory when omitted. */
  dbFile?: string;
  port?: number;
  /** Serve the Web UI on this port; headless when omitted. */
  uiPort?: number;
  log?: Log;
}

export interface TemporalHandle {
  /** host:port of the frontend gRPC service. */
  address: string;
  uiUrl?: string;
  namespace: string;
  /** The dev server's process, when this handle started one. */
  pid?: number;
  stop(): Promise<void>;
}

export async function startTemporal(opts: TemporalOptions = {}): Promise<TemporalHandle> {
  const log = opts.log ?? (() => undefined);
  const external = process.env.TEMPORAL_ADDRESS;
  if (external) {
    const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
    log(`temporal: using TEMPORAL_ADDRESS=${external}, namespace ${namespace}`);
    const connection = await Connection.connect({ address: external });
    try {
      await registerSearchAttributes(connection, namespace, log);
      await assertSearchAttributes(connection, namespace);
    } finally {
      await connection.close();
    }
    return { address: external, namespace, stop: async () => undefined };
  }
  return startDevServer(opts, log);
}

async function startDevServer(opts: TemporalOptions, log: Log): Promise<TemporalHandle> {
  const namespace = 'default';
  const port = opts.port ?? DEFAULT_TEMPORAL_PORT;
  const address = `127.0.0.1:${port}`;
  await assertPortFree(port, 'temporal');
  if (opts.uiPort !== undefined) await assertPortFree(opts.uiPort, 'temporal UI');
  const cli = await ensureTemporalCli(log);

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)];
  args.push(...(opts.uiPort === undefined ? ['--headless'] : ['--ui-port', String(opts.uiPort)]));
  if (opts.dbFile) {
    // WAL + NORMAL: far fewer fsyncs, and a crash can lose only the last transactions.
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  for (const name of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=Keyword`);
  args.push('--log-level', 'warn', '--namespace', namespace);

  const started = Date.now();
  const proc = spawnManaged(cli, args, { detached: true });
  const unregister = onShutdown(() => proc.stop(STOP_GRACE_MS));
  const stop = async (): Promise<void> => {
    unregister();
    await proc.stop(STOP_GRACE_MS);
  };

  try {
    await waitUntilServing(address, proc);
    // Registered by the flags above; checked because the application depends on them.
    const connection = await Connection.connect({ address });
    try {
      await assertSearchAttributes(connection, namespace);
    } finally {
      await connection.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const uiUrl = opts.uiPort === undefined ? undefined : `http://127.0.0.1:${opts.uiPort}`;
  log(`temporal: dev server ready at ${address}${uiUrl ? `, UI ${uiUrl}` : ''} (${Date.now() - started} ms)`);
  return { address, uiUrl, namespace, pid: proc.child.pid, stop };
}

async function waitUntilServing(address: string, proc: ManagedProcess): Promise<void> {
  try {
    await waitFor(
      async () => {
        const exit = proc.exitInfo();
        if (exit) throw new WaitAborted(`temporal dev server ${describeExit(exit)}\n${proc.tail.text()}`);
        const connection = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return true;
        } finally {
          await connection.close();
        }
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 200, what: `Temporal dev server on ${address}` },
    );
  } catch (err) {
    if (err instanceof WaitAborted) throw err;
    throw new Error(`${errorText(err)}\n${proc.tail.text()}`, { cause: err });
  }
}

async function registerSearchAttributes(connection: Connection, namespace: string, log: Log): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((name) => customAttributes?.[name] === undefined);
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
    });
    log(`temporal: registered search attributes ${missing.join(', ')}`);
  } catch (err) {
    // Someone else registered them between our list and add; a type clash
    // surfaces in assertSearchAttributes with a clearer message.
    const alreadyExists =
      (err as { code?: number }).code === GRPC_ALREADY_EXISTS || /already exists/i.test(errorText(err));
    if (!alreadyExists) throw err;
  }
}

async function searchAttributesPresent(connection: Connection, namespace: string): Promise<boolean> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  for (const name of SEARCH_ATTRIBUTES) {
    const type = customAttributes?.[name];
    if (type === undefined) return false;
    if (type !== KEYWORD) {
      const actual = temporal.api.enums.v1.IndexedValueType[type];
      throw new WaitAborted(`search attribute ${name} is registered as ${actual} in ${namespace}, expected Keyword`);
    }
  }
  return true;
}

async function assertSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  await waitFor(() => searchAttributesPresent(connection, namespace), {
    timeoutMs: 10_000,
    what: `search attributes ${SEARCH_ATTRIBUTES.join(', ')} (Keyword) in namespace ${namespace}`,
  });
}
