import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { modules } from '../modules';
import { workflowEntry } from '../modules/workflow-entry';
import { migrate } from '../db/migrate';
import { dropDatabase, startPostgres, withDatabase } from '../scripts/stack/postgres';
import { startStripeMock } from '../scripts/stack/stripe-mock';
import { startTemporal } from '../scripts/stack/temporal';
import { freePort } from '../scripts/stack/wait';
import { TEST_ENV } from './stack-env';

export const TEST_APP_PASSWORD = 'usher_app_test_password';

/**
 * Brings up real Postgres, Temporal and stripe-mock once for the whole run, migrates a template
 * database that each test file clones, and bundles the workflows once.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = (m: string) => {
    if (process.env.USHER_TEST_VERBOSE) console.log(m);
  };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-test-'));
  fs.chmodSync(workDir, 0o755);

  const [postgres, temporal, stripe] = await Promise.all([
    startPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort(), log }),
    startTemporal({ port: await freePort(), log }),
    startStripeMock({ log }),
  ]);
  const templateDb = `usher_test_tpl_${process.pid}`;
  await dropDatabase(postgres.url, templateDb);
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`create database ${templateDb}`);
  await admin.end();
  await migrate(withDatabase(postgres.url, templateDb), TEST_APP_PASSWORD);

  const bundle = await bundleWorkflowCode({
    workflowsPath: workflowEntry(modules),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env[TEST_ENV.adminUrl] = postgres.url;
  process.env[TEST_ENV.templateDb] = templateDb;
  process.env[TEST_ENV.temporalAddress] = temporal.address;
  process.env[TEST_ENV.stripeMockUrl] = stripe.url;
  process.env[TEST_ENV.workflowBundle] = bundlePath;

  (globalThis as { __usherStack?: unknown }).__usherStack = {
    async stop() {
      await dropDatabase(postgres.url, templateDb).catch(() => undefined);
      await Promise.all([temporal.stop(), stripe.stop()]);
      await postgres.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
  console.log(
    `\ntest stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s (postgres ${postgres.embedded ? 'embedded' : 'DATABASE_URL'}, temporal ${temporal.address})`,
  );
}
