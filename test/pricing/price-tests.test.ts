import { NativeConnection } from '@temporalio/worker';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { testEnv } from '../stack-env';
import { upsertModule } from '../../db/platform/modules';
import { createPaymentProvider } from '../../integrations/payments';
import { createMailer } from '../../integrations/mail/mailer';
import { createLogger } from '../../lib/logger';
import { startWorkerProcess, type WorkerProcess } from '../../worker';
import {
  checkPriceTestSignal,
  getPriceTestStateQuery,
  priceTestWorkflowId,
  type PriceTestState,
} from '../../workflows/pricing/price-test-contract';

interface ArmBody {
  arm: number;
  price_minor: number;
  weight: number;
  exposures: number;
  conversions: number;
  revenue_minor: number;
  revenue_per_visitor_minor: number;
  probability_best_revenue: number;
  conversion_vs_control: { p_value: number; significant: boolean } | null;
  revenue_vs_control: { p_value: number; significant: boolean } | null;
}
interface TestBody {
  id: number;
  status: string;
  winner_arm: number | null;
  completed_because: string | null;
  exposures: number;
  conversions: number;
  arms: ArmBody[];
  decision: { leader_arm: number; p_value: number | null; significant: boolean };
  code?: string;
}

let h: Harness;
let t: TenantFixture;
let restarted: WorkerProcess | undefined;
let restartedConnection: NativeConnection | undefined;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(async () => {
  await restarted?.shutdown();
  await restartedConnection?.close();
  await h.stop();
});

const createTest = async (f: EventFixture, body: Record<string, unknown>, api = t.api) => {
  const res = await api.post<TestBody>('/api/pricing/tests', { ticket_type_id: f.ticketTypeId, ...body });
  expect(res.status).toBe(201);
  return res.body;
};

const report = async (id: number) => (await t.api.get<TestBody>(`/api/pricing/tests/${id}`)).body;

/**
 * One simulated visitor: a customer is quoted (exposed to an arm) and buys when `buys(arm)` says so,
 * at the quoted price. Deterministic: whether a visitor buys depends on their index and arm only.
 */
async function visit(f: EventFixture, i: number, buys: (arm: number, i: number) => boolean) {
  const c = await t.api.post<{ id: number }>('/api/customers', {
    email: `v${i}-${f.eventId}@example.com`,
    name: `V${i}`,
  });
  const q = await t.api.post<{ token: string; lines: { arm: number | null; price_minor: number }[] }>(
    '/api/pricing/quotes',
    { ticket_type_ids: [f.ticketTypeId], customer_id: c.body.id },
  );
  expect(q.status).toBe(201);
  const arm = q.body.lines[0].arm as number;
  return {
    arm,
    price: q.body.lines[0].price_minor,
    buy: async () => {
      if (!buys(arm, i)) return false;
      const o = await t.api.post<{ total_minor: number }>('/api/orders', {
        event_id: f.eventId,
        customer_id: c.body.id,
        items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
        quote_token: q.body.token,
      });
      expect(o.status).toBe(201);
      expect(o.body.total_minor).toBe(q.body.lines[0].price_minor);
      return true;
    },
  };
}

type Visitor = Awaited<ReturnType<typeof visit>>;

/** 10% buy at the control's 50.00, 70% at 40.00: 40.00 earns far more per visitor. */
const cheaperSellsBetter = (arm: number, i: number) => (arm === 0 ? i % 10 === 0 : i % 10 < 7);

/** Stops the harness's worker, runs `during` without one, and starts a new worker on the same task queue. */
async function restartWorkerAround(during: () => Promise<void>): Promise<void> {
  await h.worker?.shutdown();
  await during();
  restartedConnection = await NativeConnection.connect({ address: h.config.TEMPORAL_ADDRESS });
  const logger = createLogger('test', h.config.LOG_LEVEL);
  restarted = await startWorkerProcess({
    connection: restartedConnection,
    deps: {
      db: h.db,
      config: h.config,
      logger,
      temporal: h.temporal,
      payments: createPaymentProvider(h.config),
      mailer: createMailer({ smtpUrl: h.config.SMTP_URL, from: h.config.MAIL_FROM, logger }),
    },
    workflows: { workflowBundle: { codePath: testEnv('workflowBundle') } },
  });
}

describe('A/B price tests', () => {
  it('shifts new visitors toward the better price in Thompson mode, and stops without changing the price', async () => {
    const f = await createOnSaleEvent(t, { price: 5000, inventory: 500 });
    const test = await createTest(f, {
      prices_minor: [5000, 4000],
      mode: 'thompson',
      sample_size: 5000,
      min_sample: 2000,
      check_interval_s: 3600,
    });
    expect(test.arms.map((a) => a.weight)).toEqual([0.5, 0.5]);
    expect((await t.api.post(`/api/pricing/tests/${test.id}/start`)).status).toBe(200);
    const again = await t.api.post<TestBody>(`/api/pricing/tests/${test.id}/start`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('price_test_not_draft');
    const rival = await createTest(f, { prices_minor: [5000, 4500], sample_size: 100 });
    const clash = await t.api.post<TestBody>(`/api/pricing/tests/${rival.id}/start`);
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('price_test_running');

    const visitors: Visitor[] = [];
    for (let i = 0; i < 24; i++) visitors.push(await visit(f, i, (arm) => arm === 1));
    for (const v of visitors) await v.buy();
    const bought = visitors.filter((v) => v.arm === 1).length;
    // A returning visitor keeps their arm and counts as one exposure.
    const arms = [];
    for (let k = 0; k < 2; k++) {
      const q = await t.api.post<{ lines: { arm: number }[] }>('/api/pricing/quotes', {
        ticket_type_ids: [f.ticketTypeId],
        visitor: 'returning-visitor',
      });
      arms.push(q.body.lines[0].arm);
    }
    expect(arms[0]).toBe(arms[1]);
    expect((await report(test.id)).exposures).toBe(25);
    await eventually(async () => (await report(test.id)).conversions === bought, { what: 'conversions' });

    const handle = h.temporal.workflow.getHandle(priceTestWorkflowId(t.tenantId, test.id));
    await handle.signal(checkPriceTestSignal);
    const state = await eventually(async () => {
      const s = await handle.query(getPriceTestStateQuery);
      return s.checks >= 1 && s.status === 'waiting' && s;
    });
    expect(state.weights[1]).toBeGreaterThan(0.9);
    expect((await report(test.id)).arms[1].weight).toBeCloseTo(state.weights[1], 9);

    const stopped = await t.api.post<TestBody>(`/api/pricing/tests/${test.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    expect(((await handle.result()) as PriceTestState).status).toBe('stopped');
    const tt = await h.owner('ticket_types').where({ id: f.ticketTypeId }).first('price_minor');
    expect(tt.price_minor).toBe(5000);
    expect((await t.api.post<TestBody>(`/api/pricing/tests/${test.id}/stop`)).body.code).toBe('price_test_not_running');
  }, 180_000);

  it('refuses prices outside the guardrails, and another tenant sees none of its tests', async () => {
    const t2 = await createTenantWithKey(h, 'Guarded tenant');
    await upsertModule(h.owner, t2.tenantId, 'pricing', { settings: { floor_minor: 1000, cap_minor: 8000 } });
    const f = await createOnSaleEvent(t2, { price: 5000 });
    const outside = await t2.api.post<TestBody>('/api/pricing/tests', {
      ticket_type_id: f.ticketTypeId,
      prices_minor: [5000, 9000],
      sample_size: 100,
    });
    expect(outside.status).toBe(422);
    expect(outside.body.code).toBe('price_outside_guardrails');
    const own = await createTest(f, { prices_minor: [5000, 6000], sample_size: 100 }, t2.api);
    for (const path of [`/api/pricing/tests/${own.id}`]) expect((await t.api.get(path)).status).toBe(404);
    expect((await t.api.post(`/api/pricing/tests/${own.id}/start`)).status).toBe(404);
    expect((await t.api.post(`/api/pricing/tests/${own.id}/stop`)).status).toBe(404);
    const list = await t.api.get<{ items: { id: number }[] }>('/api/pricing/tests?limit=200');
    expect(list.body.items.map((x) => x.id)).not.toContain(own.id);
    const bad = await t.api.post('/api/pricing/tests', {
      ticket_type_id: f.ticketTypeId,
      prices_minor: [100, 100],
      sample_size: 10,
    });
    expect(bad.status).toBe(400);
  });

  it('picks the known better price and makes it the price, losing no exposure or conversion across a worker restart', async () => {
    const f = await createOnSaleEvent(t, { price: 5000, inventory: 500 });
    const test = await createTest(f, {
      prices_minor: [5000, 4000],
      sample_size: 1000,
      min_sample: 15,
      check_interval_s: 3600,
    });
    expect((await t.api.post(`/api/pricing/tests/${test.id}/start`)).status).toBe(200);
    const N = 60;
    const visitors: Visitor[] = [];
    for (let i = 0; i < N / 2; i++) visitors.push(await visit(f, i, cheaperSellsBetter));
    for (const v of visitors) await v.buy();

    // The worker (Temporal worker and outbox dispatcher) goes away mid-test: quotes still expose.
    await restartWorkerAround(async () => {
      for (let i = N / 2; i < N; i++) visitors.push(await visit(f, i, cheaperSellsBetter));
    });
    for (const v of visitors.slice(N / 2)) await v.buy();

    const expected = [0, 1].map((arm) => {
      const inArm = visitors.map((v, i) => ({ ...v, i })).filter((v) => v.arm === arm);
      return { exposures: inArm.length, conversions: inArm.filter((v) => cheaperSellsBetter(arm, v.i)).length };
    });
    expect(expected[0].exposures).toBeGreaterThanOrEqual(15);
    expect(expected[1].exposures).toBeGreaterThanOrEqual(15);
    const before = await eventually(
      async () => {
        const r = await report(test.id);
        return r.conversions === expected[0].conversions + expected[1].conversions && r;
      },
      { what: 'every conversion', timeoutMs: 30_000 },
    );
    expect(before.arms.map((a) => ({ exposures: a.exposures, conversions: a.conversions }))).toEqual(expected);
    expect(before.exposures).toBe(N);
    expect(before.arms[1].revenue_vs_control?.significant).toBe(true);
    expect(before.arms[1].conversion_vs_control?.significant).toBe(true);
    expect(before.arms[1].probability_best_revenue).toBeGreaterThan(0.95);
    expect(before.decision).toMatchObject({ leader_arm: 1, significant: true });

    const handle = h.temporal.workflow.getHandle(priceTestWorkflowId(t.tenantId, test.id));
    await handle.signal(checkPriceTestSignal);
    expect(await handle.result()).toMatchObject({ status: 'completed', winnerArm: 1 });
    const done = await report(test.id);
    expect(done).toMatchObject({ status: 'completed', winner_arm: 1, completed_because: 'significant' });
    const tt = await h.owner('ticket_types').where({ id: f.ticketTypeId }).first('price_minor');
    expect(tt.price_minor).toBe(4000);
    const change = await h
      .owner('price_changes')
      .where({ ticket_type_id: f.ticketTypeId })
      .orderBy('id', 'desc')
      .first();
    expect(change).toMatchObject({ old_price_minor: 5000, new_price_minor: 4000, source: 'test' });
    const events = await h.owner('outbox').where({ tenant_id: t.tenantId, type: 'pricing.test_completed' });
    expect(events.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({ test_id: test.id, winner_arm: 1, winner_price_minor: 4000, applied_price_minor: 4000 }),
    );
    await recordHistory(h.temporal, priceTestWorkflowId(t.tenantId, test.id), 'pricing-price-test');
  }, 300_000);
});
