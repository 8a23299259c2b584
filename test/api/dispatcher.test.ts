import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { OutboxDispatcher } from '../../activities/platform/dispatcher';
import { defineTrigger } from '../../activities/platform/triggers';
import { walletTriggers } from '../../activities/wallet/triggers';
import { withTenant } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { insertTickets } from '../../db/tickets/tickets';
import { ensurePasses } from '../../db/wallet/passes';
import type { Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { walletPushWorkflowId } from '../../workflows/wallet/contract';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h);
  await h.owner.raw(
    'create table test_effects (outbox_id bigint not null, pid integer not null, at timestamptz not null default clock_timestamp()); grant insert, select on test_effects to usher_app',
  );
  await h.owner.raw(
    'create table test_committed (outbox_id bigint not null); grant insert, select on test_committed to usher_app',
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

/** Leaves only the rows a test emits next for its dispatcher to take. */
const settleOutbox = () => h.owner('outbox').whereNull('dispatched_at').update({ dispatched_at: h.owner.fn.now() });

/** A Temporal client that only records its starts, each with what `seen` found in the database at that moment. */
function recordingTemporal<T>(seen: () => Promise<T>): { temporal: Client; starts: { workflowId: string; seen: T }[] } {
  const starts: { workflowId: string; seen: T }[] = [];
  const workflow = {
    async start(_type: string, options: WorkflowStartOptions) {
      starts.push({ workflowId: options.workflowId, seen: await seen() });
    },
  };
  return { temporal: { workflow } as unknown as Client, starts };
}

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

  it("runs a trigger's after-commit part once its transaction committed, and retries only that part", async () => {
    await settleOutbox();
    await withTenant(h.db, t.tenantId, (tx) =>
      emit(tx, t.tenantId, { type: 'test.ping', aggregateType: 'test', aggregateId: 'after-commit', payload: {} }),
    );
    const { id } = await h.owner('outbox').where({ aggregate_id: 'after-commit' }).first('id');
    // Counted on another connection: the effect of `run` shows there only once it committed.
    const effects = () => count(`select count(*) as n from test_committed where outbox_id = ${Number(id)}`);
    const seen: number[] = [];
    let fail = true;
    const dispatcher = new OutboxDispatcher({
      db: h.db,
      config: h.config,
      logger: createLogger('dispatcher-test', 'silent'),
      temporal: h.temporal,
      triggers: [
        defineTrigger({
          name: 'test.after-commit',
          on: ['test.ping'],
          async run(event, { tx }) {
            await tx('test_committed').insert({ outbox_id: event.id });
          },
          async afterCommit() {
            seen.push(await effects());
            if (fail) throw new Error('Temporal is unreachable');
          },
        }),
      ],
    });
    await dispatcher.drain();
    expect(await h.owner('outbox').where({ id }).first()).toMatchObject({
      dispatched_at: null,
      attempts: 1,
      last_error: 'test.after-commit: Temporal is unreachable',
    });

    fail = false;
    await h.owner('outbox').where({ id }).update({ next_attempt_at: h.owner.fn.now() });
    await dispatcher.drain();
    expect(seen).toEqual([1, 1]);
    expect(await effects()).toBe(1);
    expect((await h.owner('outbox').where({ id }).first()).dispatched_at).not.toBeNull();
    expect(await h.owner('trigger_runs').where({ outbox_id: id }).orderBy('trigger').pluck('trigger')).toEqual([
      'test.after-commit',
      'test.after-commit:after-commit',
    ]);
  });

  it('starts a wallet push only once the pass change it announces has committed', async () => {
    const f = await createOnSaleEvent(t);
    const [order] = await h
      .owner('orders')
      .insert({
        tenant_id: t.tenantId,
        event_id: f.eventId,
        customer_id: f.customerId,
        order_number: 'WALLET-1',
        status: 'paid',
        currency: 'EUR',
        total_minor: 4500,
        payment_provider: 'external',
      })
      .returning('id');
    const ticketId = await withTenant(h.db, t.tenantId, async (tx) => {
      const [ticket] = await insertTickets(tx, t.tenantId, [
        { event_id: f.eventId, order_id: order.id, ticket_type_id: f.ticketTypeId, customer_id: f.customerId },
      ]);
      await ensurePasses(tx, t.tenantId, [ticket]);
      return ticket.id;
    });
    await settleOutbox();
    await withTenant(h.db, t.tenantId, (tx) =>
      emit(tx, t.tenantId, {
        type: 'ticket.updated',
        aggregateType: 'ticket',
        aggregateId: ticketId,
        payload: { ticket_id: ticketId, event_id: f.eventId, changed: ['holder_name'] },
      }),
    );
    const { id: outboxId } = await h.owner('outbox').where({ type: 'ticket.updated' }).first('id');
    const updateSeqs = async (): Promise<string[]> =>
      h.owner('wallet_passes').where({ ticket_id: ticketId }).orderBy('id').pluck('update_seq');
    const before = await updateSeqs();
    // Read on another connection when the push starts: the touched passes show there only after the commit.
    const { temporal, starts } = recordingTemporal(async () =>
      (await updateSeqs()).every((seq, i) => seq !== before[i]),
    );
    // Only whether APNs is configured matters here: the recording client never pushes.
    const config: Config = {
      ...h.config,
      APPLE_PASS_TYPE_ID: 'pass.test.usher',
      APPLE_TEAM_ID: 'TEAM123456',
      APNS_KEY: '-----BEGIN PRIVATE KEY-----',
      APNS_KEY_ID: 'KEY1234567',
    };
    const dispatcher = new OutboxDispatcher({
      db: h.db,
      config,
      logger: createLogger('dispatcher-test', 'silent'),
      temporal,
      triggers: walletTriggers(),
    });
    await dispatcher.drain();
    expect(starts).toEqual([{ workflowId: walletPushWorkflowId(t.tenantId, f.eventId, Number(outboxId)), seen: true }]);
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
