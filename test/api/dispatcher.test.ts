import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { OutboxDispatcher } from '../../activities/platform/dispatcher';
import { defineTrigger } from '../../activities/platform/triggers';
import { withTenant } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { createLogger } from '../../lib/logger';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
  await h.owner.raw(
    'create table test_effects (outbox_id bigint not null, pid integer not null, at timestamptz not null default clock_timestamp()); grant insert, select on test_effects to usher_app',
  );
});
afterAll(() => h.stop());

function startDispatcherProcess(): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, '..', 'fixtures', 'dispatcher-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      DATABASE_URL: h.config.DATABASE_URL,
      APP_DATABASE_URL: h.config.appDatabaseUrl,
      TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`dispatcher child exited early (${code})`)));
  });
}

const count = async (sql: string): Promise<number> => Number((await h.owner.raw(sql)).rows[0].n);

describe('outbox dispatcher', () => {
  it('fails the triggers of a row whose payload the catalogue rejects, and keeps the row pending', async () => {
    const seen: number[] = [];
    const dispatcher = new OutboxDispatcher({
      db: h.db,
      config: h.config,
      logger: createLogger('dispatcher-test', 'silent'),
      temporal: h.temporal,
      triggers: [
        defineTrigger({
          name: 'test.orders',
          on: ['order.created'],
          async run(event) {
            seen.push(event.id);
          },
        }),
      ],
    });
    const [{ id }] = await h
      .owner('outbox')
      .insert({
        tenant_id: t.tenantId,
        type: 'order.created',
        aggregate_type: 'order',
        aggregate_id: '1',
        payload: { order_id: '1' },
      })
      .returning('id');
    await dispatcher.drain();
    const row = await h.owner('outbox').where({ id }).first();
    expect(row).toMatchObject({ dispatched_at: null, attempts: 1 });
    expect(row.last_error).toMatch(
      /^test\.orders: outbox row \d+: payload of order\.created does not match the catalogue/,
    );
    expect(seen).toEqual([]);
  });

  it('survives a SIGKILL mid-stream without losing or repeating a delivery', async () => {
    const total = 300;
    await withTenant(h.db, t.tenantId, async (tx) => {
      for (let i = 0; i < total; i++)
        await emit(tx, t.tenantId, { type: 'test.ping', aggregateType: 'test', aggregateId: i, payload: { i } });
    });

    const first = await startDispatcherProcess();
    await eventually(async () => (await count('select count(*) as n from test_effects')) >= 60, {
      what: 'the first process to get going',
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeRestart = await count('select count(*) as n from test_effects');
    expect(beforeRestart).toBeLessThan(total);

    const second = await startDispatcherProcess();
    try {
      await eventually(
        async () =>
          (await count("select count(*) as n from outbox where type = 'test.ping' and dispatched_at is null")) === 0,
        { what: 'the restarted dispatcher to finish', timeoutMs: 30_000 },
      );
    } finally {
      second.kill('SIGTERM');
    }
    expect(await count('select count(*) as n from test_effects')).toBe(total);
    expect(await count('select count(distinct outbox_id) as n from test_effects')).toBe(total);
    expect(await count('select count(distinct pid) as n from test_effects')).toBe(2);
    expect(await count("select count(*) as n from trigger_runs where trigger = 'test.record'")).toBe(total);
  });
});
