/**
 * Brings Postgres, Temporal and stripe-mock up on free ports, checks each
 * answers, prints JSON with addresses and timings, and stops them.
 *
 *   npx tsx scripts/stack/smoke.ts [workDir]
 *
 * Without workDir a temporary directory is used and removed afterwards; with
 * one, its Postgres cluster and Temporal database are kept, so a second run
 * measures a warm start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { startPostgres } from './postgres';
import { STRIPE_MOCK_API_KEY, startStripeMock } from './stripe-mock';
import { SEARCH_ATTRIBUTES, startTemporal } from './temporal';
import type { Log } from './processes';
import { freePort } from './wait';

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

async function main(): Promise<void> {
  const keep = process.argv[2] !== undefined;
  const workDir = keep ? path.resolve(process.argv[2] ?? '') : fs.mkdtempSync(path.join(os.tmpdir(), 'usher-smoke-'));
  const log: Log = (msg) => console.error(msg);
  const started = Date.now();

  const [pgPort, temporalPort] = await Promise.all([freePort(), freePort()]);
  const results = await Promise.allSettled([
    timed(() => startPostgres({ dataDir: path.join(workDir, 'pg'), port: pgPort, log })),
    timed(() => startTemporal({ dbFile: path.join(workDir, 'temporal.db'), port: temporalPort, log })),
    timed(() => startStripeMock({ log })),
  ]);
  const [postgres, temporal, stripe] = results;
  const up = Date.now() - started;

  try {
    if (postgres.status === 'rejected') throw postgres.reason;
    if (temporal.status === 'rejected') throw temporal.reason;
    if (stripe.status === 'rejected') throw stripe.reason;

    const client = new pg.Client({ connectionString: postgres.value.value.url });
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version()');
    await client.end();

    const connection = await Connection.connect({ address: temporal.value.value.address });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: temporal.value.value.namespace,
    });
    await connection.close();

    const customers = await fetch(`${stripe.value.value.url}/v1/customers`, {
      headers: { Authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
    });

    console.log(
      JSON.stringify(
        {
          workDir,
          postgres: {
            url: postgres.value.value.url,
            embedded: postgres.value.value.embedded,
            startMs: postgres.value.ms,
            version: rows[0]?.version,
          },
          temporal: {
            address: temporal.value.value.address,
            namespace: temporal.value.value.namespace,
            startMs: temporal.value.ms,
            searchAttributes: SEARCH_ATTRIBUTES.filter((name) => customAttributes?.[name] !== undefined),
          },
          stripeMock: { url: stripe.value.value.url, startMs: stripe.value.ms, customersStatus: customers.status },
          allUpMs: up,
        },
        null,
        2,
      ),
    );
  } finally {
    // Stop whatever did come up, even when something else failed.
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.value.stop() : undefined)));
    if (!keep) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
