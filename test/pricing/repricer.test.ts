import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import {
  demandRulesChangedSignal,
  getDemandSweepStateQuery,
  getRepricerStateQuery,
  pricingDemandSweepWorkflowId,
  pricingRepricerWorkflowId,
} from '../../workflows/pricing/repricer-contract';

interface Change {
  old_price_minor: number;
  new_price_minor: number;
  reason: string;
  rule_id: number | null;
  changed_at: string;
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: true });
});
afterAll(() => h.stop());

/** The price buyers are served: the ticket type as the events API lists it. */
async function servedPrice(t: TenantFixture, f: EventFixture): Promise<number> {
  const res = await t.api.get<{ items: { id: number; price_minor: number }[] }>(
    `/api/events/${f.eventId}/ticket-types`,
  );
  return res.body.items.find((i) => i.id === f.ticketTypeId)?.price_minor as number;
}
const priceBecomes = (t: TenantFixture, f: EventFixture, price: number, timeoutMs = 15_000) =>
  eventually(async () => (await servedPrice(t, f)) === price, { timeoutMs, what: `price ${price}` });
const changes = async (t: TenantFixture, f: EventFixture): Promise<Change[]> =>
  (await t.api.get<{ items: Change[] }>(`/api/pricing/ticket-types/${f.ticketTypeId}/price-changes`)).body.items;
const createRule = async (t: TenantFixture, f: EventFixture, strategy: string, rules: unknown): Promise<number> => {
  const res = await t.api.post<{ id: number }>('/api/pricing/rules', {
    ticket_type_id: f.ticketTypeId,
    strategy,
    rules,
  });
  expect(res.status).toBe(201);
  return res.body.id;
};

it("switches the proposal's early-bird tiers at each boundary, seconds standing in for months", async () => {
  const t = await createTenantWithKey(h, 'Early bird');
  const f = await createOnSaleEvent(t, { price: 4500 });
  const start = Date.now();
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  const ruleId = await createRule(t, f, 'time', {
    strategy: 'time',
    tiers: [
      { until: at(10), price: 50, label: 'Super Early Bird' },
      { until: at(16), price: 65, label: 'Early Bird' },
      { until: at(22), price: 80, label: 'Regular' },
      { until: 'event', price: 95, label: 'Door Price' },
    ],
  });
  await priceBecomes(t, f, 5000, 9000);
  await priceBecomes(t, f, 6500);
  await priceBecomes(t, f, 8000);
  await priceBecomes(t, f, 9500);
  const history = await changes(t, f);
  expect(history.map((c) => [c.old_price_minor, c.new_price_minor, c.reason, c.rule_id])).toEqual([
    [4500, 5000, 'Super Early Bird', ruleId],
    [5000, 6500, 'Early Bird', ruleId],
    [6500, 8000, 'Regular', ruleId],
    [8000, 9500, 'Door Price', ruleId],
  ]);
  // Each tier starts at its boundary, not before, and well within a second after it.
  history.slice(1).forEach((c, i) => {
    const boundary = start + 10_000 + i * 6000;
    expect(Date.parse(c.changed_at)).toBeGreaterThanOrEqual(boundary);
    expect(Date.parse(c.changed_at)).toBeLessThan(boundary + 2500);
  });

  const handle = h.temporal.workflow.getHandle(pricingRepricerWorkflowId(t.tenantId, f.ticketTypeId));
  const state = await handle.query(getRepricerStateQuery);
  expect(state).toMatchObject({ status: 'sleeping', priceMinor: 9500 });
  // Deleting the last rule ends the workflow; the price stays where it was.
  expect((await t.api.delete(`/api/pricing/rules/${ruleId}`)).status).toBe(204);
  expect(await handle.result()).toMatchObject({ status: 'ended', endedBecause: 'no_active_rules' });
  expect(await servedPrice(t, f)).toBe(9500);
  await recordHistory(h.temporal, handle.workflowId, 'pricing-repricer');
});

it('a rule change signals the running workflow, and guardrails hold under a rule that asks for more', async () => {
  const t = await createTenantWithKey(h, 'Rule changes');
  const f = await createOnSaleEvent(t, { price: 5000 });
  expect(
    (await t.api.put('/api/modules/pricing', { settings: { cap_minor: 9000, never_decrease: true } })).status,
  ).toBe(200);
  const ruleId = await createRule(t, f, 'manual', { price: 60 });
  await priceBecomes(t, f, 6000);
  const handle = h.temporal.workflow.getHandle(pricingRepricerWorkflowId(t.tenantId, f.ticketTypeId));
  const { runId } = await handle.describe();

  // Far above the cap: capped.
  expect((await t.api.patch(`/api/pricing/rules/${ruleId}`, { rules: { price: 250 } })).status).toBe(200);
  await priceBecomes(t, f, 9000, 5000);
  // A lower price breaks "never decrease": held.
  await t.api.patch(`/api/pricing/rules/${ruleId}`, { rules: { price: 40 } });
  await eventually(async () => (await handle.query(getRepricerStateQuery)).evaluations >= 3, {
    what: '3rd evaluation',
  });
  expect(await servedPrice(t, f)).toBe(9000);
  expect((await handle.describe()).runId).toBe(runId);
  expect((await changes(t, f)).map((c) => c.new_price_minor)).toEqual([6000, 9000]);
});

it('the demand example raises and lowers the price within its bounds as sales velocity changes', async () => {
  const t = await createTenantWithKey(h, 'Demand');
  const f = await createOnSaleEvent(t, { price: 5000, inventory: 500 });
  const ruleId = await createRule(t, f, 'demand', {
    strategy: 'demand',
    base_price: 50,
    min_price: 40,
    max_price: 60,
    rules: [
      { condition: 'sales_velocity > 5/minute', action: 'increase', amount: 5 },
      { condition: 'sales_velocity < 1/minute', action: 'decrease', amount: 3 },
    ],
  });
  const sweep = h.temporal.workflow.getHandle(pricingDemandSweepWorkflowId(t.tenantId));
  await eventually(async () => (await sweep.query(getDemandSweepStateQuery).catch(() => undefined))?.sweeps, {
    what: 'first sweep',
  });
  /** One demand evaluation, as the sweep's timer would run it (signalled instead of waiting minutes). */
  const tick = async (): Promise<number> => {
    const before = (await sweep.query(getDemandSweepStateQuery)).sweeps;
    await sweep.signal(demandRulesChangedSignal);
    await eventually(async () => (await sweep.query(getDemandSweepStateQuery)).sweeps > before, { what: 'sweep' });
    return servedPrice(t, f);
  };

  for (let i = 0; i < 2; i++) {
    const order = await t.api.post('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 4 }],
    });
    expect(order.status).toBe(201);
  }
  const rising = [await servedPrice(t, f)];
  for (let i = 0; i < 6; i++) rising.push(await tick());
  expect(rising[rising.length - 1]).toBe(6000);
  rising.slice(1).forEach((p, i) => expect(p).toBeGreaterThanOrEqual(rising[i]));

  // The sales leave the velocity window (simulated: the orders are moved two minutes back).
  await h.owner.raw(`update orders set created_at = created_at - interval '2 minutes' where tenant_id = ?`, [
    t.tenantId,
  ]);
  const falling = [6000];
  for (let i = 0; i < 9; i++) falling.push(await tick());
  expect(falling[falling.length - 1]).toBe(4000);
  falling.slice(1).forEach((p, i) => expect(p).toBeLessThanOrEqual(falling[i]));
  expect(Math.min(...rising, ...falling)).toBeGreaterThanOrEqual(4000);
  expect(Math.max(...rising, ...falling)).toBeLessThanOrEqual(6000);

  // No demand rule left: the next sweep ends the workflow.
  await t.api.delete(`/api/pricing/rules/${ruleId}`);
  expect(await sweep.result()).toMatchObject({ status: 'ended' });
  await recordHistory(h.temporal, sweep.workflowId, 'pricing-demand-sweep');
});
