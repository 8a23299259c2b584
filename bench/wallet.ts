/**
 * Wallet benchmark: signed Apple passes generated per second, and the time to push one event change
 * to 10,000 registered devices through the local APNs stand-in (outbox trigger -> fan-out workflow ->
 * batches over HTTP/2). Starts its own Postgres and Temporal on free ports and stops them.
 *
 *   npm run bench:wallet            (WALLET_BENCH_DEVICES / WALLET_BENCH_PASSES to change the sizes)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDb, withTenant } from '../db/connection';
import { migrate } from '../db/migrate';
import { emit } from '../db/platform/outbox';
import { upsertModule } from '../db/platform/modules';
import { createTenant } from '../db/tenants/tenants';
import { ensurePasses, loadPassSubject } from '../db/wallet/passes';
import { applePassDesign } from '../domain/wallet/design';
import { renderApplePass } from '../integrations/wallet/apple-pass';
import { appleWalletSettings } from '../integrations/wallet/settings';
import { appDatabaseUrl, loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createMailer } from '../integrations/mail/mailer';
import { createPaymentProvider } from '../integrations/payments';
import { startWorkerProcess } from '../worker';
import { startApnsStandIn } from '../scripts/stack/apns-standin';
import { createDatabase, dropDatabase, startPostgres } from '../scripts/stack/postgres';
import { startTemporal } from '../scripts/stack/temporal';
import { freePort, waitFor } from '../scripts/stack/wait';
import { makeWalletTestKeys, walletEnv } from '../test/helpers/wallet';
import { getWalletPushStateQuery, walletPushWorkflowId } from '../workflows/wallet/contract';

const DEVICES = Number(process.env.WALLET_BENCH_DEVICES ?? 10_000);
const PASSES = Number(process.env.WALLET_BENCH_PASSES ?? 1000);
const PASS_CONCURRENCY = 8;
const APP_PASSWORD = 'usher_app_bench_password';

async function main(): Promise<void> {
  const log = (m: string) => {
    if (process.env.USHER_BENCH_VERBOSE) console.error(m);
  };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-bench-wallet-'));
  const keys = makeWalletTestKeys();
  const [postgres, temporal] = await Promise.all([
    startPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort(), log }),
    startTemporal({ port: await freePort(), log }),
  ]);
  const apns = await startApnsStandIn({
    tlsKey: keys.tlsKeyPem,
    tlsCert: keys.tlsCertPem,
    publicKeyPem: keys.apnsPublicKeyPem,
    keyId: 'KEY1234567',
    teamId: 'TEAM123456',
    topic: 'pass.test.usher',
  });
  const dbName = `usher_bench_wallet_${process.pid}`;
  const ownerUrl = await createDatabase(postgres.url, dbName);
  await migrate(ownerUrl, APP_PASSWORD);
  const env = walletEnv(keys, { APNS_URL: apns.url });
  // Google is left unconfigured: this measures the APNs fan-out.
  for (const k of ['GOOGLE_WALLET_ISSUER_ID', 'GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL', 'GOOGLE_WALLET_PRIVATE_KEY'])
    delete env[k];
  const config = loadConfig({
    ...env,
    DATABASE_URL: ownerUrl,
    APP_DATABASE_URL: appDatabaseUrl(ownerUrl, APP_PASSWORD),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench-wallet',
    LOG_LEVEL: 'warn',
  });
  const owner = createDb(ownerUrl, 4);
  const db = createDb(config.appDatabaseUrl, 20);
  const logger = createLogger('bench', 'warn');
  Runtime.install({ logger: new DefaultLogger('WARN') });

  try {
    // Data: one event with DEVICES tickets, each with its passes and one registered device.
    const tenant = await createTenant(owner, { name: 'Bench' });
    await upsertModule(owner, tenant.id, 'wallet', { enabled: true });
    const { eventId } = await withTenant(owner, tenant.id, async (tx) => {
      const starts = new Date(Date.now() + 7 * 86_400_000);
      const [event] = await tx('events')
        .insert({
          tenant_id: tenant.id,
          name: 'Bench night',
          venue_name: 'Arena',
          venue_address: '1 Arena Way',
          venue_latitude: 48.1,
          venue_longitude: 11.6,
          timezone: 'UTC',
          starts_at: starts,
          ends_at: new Date(starts.getTime() + 3_600_000),
          capacity: DEVICES,
          status: 'on_sale',
        })
        .returning('id');
      const [tt] = await tx('ticket_types')
        .insert({
          tenant_id: tenant.id,
          event_id: event.id,
          name: 'GA',
          price_minor: 1000,
          currency: 'EUR',
          inventory: DEVICES,
          sold: DEVICES,
        })
        .returning('id');
      const [customer] = await tx('customers')
        .insert({ tenant_id: tenant.id, email: 'bench@example.com', name: 'Bench' })
        .returning('id');
      const [order] = await tx('orders')
        .insert({
          tenant_id: tenant.id,
          event_id: event.id,
          customer_id: customer.id,
          order_number: 'B-1',
          status: 'paid',
          currency: 'EUR',
          total_minor: 0,
          payment_provider: 'offline',
        })
        .returning('id');
      for (let i = 0; i < DEVICES; i += 1000) {
        const tickets = await tx('tickets')
          .insert(
            Array.from({ length: Math.min(1000, DEVICES - i) }, (_, j) => ({
              tenant_id: tenant.id,
              event_id: event.id,
              order_id: order.id,
              ticket_type_id: tt.id,
              customer_id: customer.id,
              code: `BENCH${i + j}`,
              seat: String(i + j),
            })),
          )
          .returning(['id', 'order_id']);
        await ensurePasses(tx, tenant.id, tickets);
        const passes = await tx('wallet_passes')
          .whereIn(
            'ticket_id',
            tickets.map((t: { id: number }) => t.id),
          )
          .andWhere({ platform: 'apple' })
          .select('id');
        await tx('wallet_push_registrations').insert(
          passes.map((p: { id: number }, k: number) => ({
            tenant_id: tenant.id,
            pass_id: p.id,
            device_library_id: `device-${i + k}`,
            push_token: (i + k + 1).toString(16).padStart(64, '0'),
          })),
        );
      }
      return { eventId: event.id as number };
    });

    // 1. Passes per second, signing included (the work behind GET /api/wallet/ticket/{id}/apple): one after
    // another, then PASS_CONCURRENCY at a time as the API serves an on-sale. The first pass of a branding
    // draws its images (kept for the next ones): timed on its own.
    const apple = appleWalletSettings(config);
    if (!apple) throw new Error('Apple Wallet settings missing');
    const passRows = await owner('wallet_passes').where({ platform: 'apple' }).limit(PASSES).orderBy('id');
    const renderPass = (pass: { ticket_id: number; serial_number: string; auth_token: string }) =>
      withTenant(db, tenant.id, async (tx) => {
        const subject = await loadPassSubject(tx, pass.ticket_id);
        if (!subject) throw new Error('ticket missing');
        return renderApplePass(
          apple,
          { serialNumber: pass.serial_number, authToken: pass.auth_token },
          applePassDesign(subject),
        );
      });
    const firstStarted = process.hrtime.bigint();
    await renderPass(passRows[0]);
    const firstPassMs = Number(process.hrtime.bigint() - firstStarted) / 1e6;
    const cpuStarted = process.cpuUsage();
    const passStarted = process.hrtime.bigint();
    for (const pass of passRows) await renderPass(pass);
    const passSeconds = Number(process.hrtime.bigint() - passStarted) / 1e9;
    const passCpu = process.cpuUsage(cpuStarted);
    let next = 0;
    const concurrentStarted = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: PASS_CONCURRENCY }, async () => {
        while (next < passRows.length) await renderPass(passRows[next++]);
      }),
    );
    const concurrentSeconds = Number(process.hrtime.bigint() - concurrentStarted) / 1e9;

    // 2. An event change reaching every device: outbox -> trigger -> workflow -> APNs stand-in.
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    const temporalClient = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const worker = await startWorkerProcess({
      connection: nativeConnection,
      deps: {
        db,
        config,
        logger,
        temporal: temporalClient,
        payments: createPaymentProvider(config),
        mailer: createMailer({ from: config.MAIL_FROM, logger }),
      },
    });
    const pushStarted = Date.now();
    const outboxId = await withTenant(db, tenant.id, async (tx) => {
      await tx('events')
        .where({ id: eventId })
        .update({
          starts_at: tx.raw("starts_at + interval '30 minutes'"),
          ends_at: tx.raw("ends_at + interval '30 minutes'"),
        });
      await emit(tx, tenant.id, {
        type: 'event.updated',
        aggregateType: 'event',
        aggregateId: eventId,
        payload: { event_id: eventId, changed: ['starts_at', 'ends_at'] },
      });
      return (await tx('outbox').where({ type: 'event.updated' }).max<{ max: number }[]>('id'))[0].max;
    });
    await waitFor(async () => apns.pushes.length >= DEVICES, {
      timeoutMs: 300_000,
      intervalMs: 20,
      what: 'every device to get its push',
    });
    const pushSeconds = (Date.now() - pushStarted) / 1000;
    const state = await temporalClient.workflow
      .getHandle(walletPushWorkflowId(tenant.id, eventId, outboxId))
      .query(getWalletPushStateQuery);

    await worker.shutdown();
    await nativeConnection.close();
    await temporalClient.connection.close();
    console.log(
      JSON.stringify({
        passes_per_s: Number((passRows.length / passSeconds).toFixed(1)),
        passes_per_s_concurrent: Number((passRows.length / concurrentSeconds).toFixed(1)),
        pass_concurrency: PASS_CONCURRENCY,
        passes_measured: passRows.length,
        // CPU of this process per pass (query, render, sign, zip): what passes cost, however busy the machine.
        pass_cpu_ms: Number(((passCpu.user + passCpu.system) / 1000 / passRows.length).toFixed(2)),
        first_pass_ms: Math.round(firstPassMs),
        push_10000_s: Number(pushSeconds.toFixed(2)),
        devices: DEVICES,
        pushes_received: apns.pushes.length,
        pushes_per_s: Math.round(DEVICES / pushSeconds),
        batches: state.batches,
        batch_size: config.WALLET_PUSH_BATCH_SIZE,
        parallel_batches: config.WALLET_PUSH_PARALLEL_BATCHES,
        apns_streams_per_batch: config.APNS_CONCURRENCY,
        rejected_by_apns: apns.rejected.length,
      }),
    );
  } finally {
    await db.destroy();
    await owner.destroy();
    await dropDatabase(postgres.url, dbName);
    await apns.stop();
    await temporal.stop();
    await postgres.stop();
    keys.cleanup();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
