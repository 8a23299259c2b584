import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

interface RuleBody {
  id: number;
  ticket_type_id: number;
  event_id: number;
  strategy: string;
  status: string;
  priority: number;
}
interface Outcome {
  changed: boolean;
  old_price_minor: number;
  new_price_minor: number;
  lowest_30d_minor: number | null;
  limited_by: string[];
  retry_at: string | null;
}
interface Problem {
  code: string;
  errors: { path: string; message: string; position?: number }[];
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.stop());

const DAY = 86_400_000;
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();
const demandRule = (condition: string) => ({
  base_price: 50,
  min_price: 40,
  max_price: 100,
  rules: [{ condition, action: 'increase', amount: 5 }],
});
const setSettings = (t: TenantFixture, settings: Record<string, unknown>) =>
  t.api.put('/api/modules/pricing', { settings });
const setPrice = (t: TenantFixture, ticketTypeId: number, price: number) =>
  t.api.post<Outcome>(`/api/pricing/ticket-types/${ticketTypeId}/price`, { price_minor: price });

describe('pricing rules', () => {
  let t: TenantFixture;
  let other: TenantFixture;
  let ticketTypeId: number;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Pricing rules');
    other = await createTenantWithKey(h, 'Other pricing tenant');
    ({ ticketTypeId } = await createOnSaleEvent(t, { price: 5000 }));
  });

  it('creates, lists, changes, pauses, resumes and deletes a rule', async () => {
    const created = await t.api.post<RuleBody>('/api/pricing/rules', {
      ticket_type_id: ticketTypeId,
      strategy: 'demand',
      rules: demandRule('sales_velocity > 50/hour'),
      priority: 5,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ticket_type_id: ticketTypeId,
      strategy: 'demand',
      status: 'active',
      priority: 5,
    });
    const id = created.body.id;

    const list = await t.api.get<{ items: RuleBody[] }>(`/api/pricing/rules?ticket_type_id=${ticketTypeId}`);
    expect(list.body.items.map((r) => r.id)).toEqual([id]);
    expect((await t.api.patch<RuleBody>(`/api/pricing/rules/${id}`, { priority: 7 })).body.priority).toBe(7);
    expect((await t.api.post<RuleBody>(`/api/pricing/rules/${id}/pause`)).body.status).toBe('paused');
    expect((await t.api.post<RuleBody>(`/api/pricing/rules/${id}/resume`)).body.status).toBe('active');

    const events = await h.owner('outbox').where({ tenant_id: t.tenantId, type: 'pricing.rule_changed' }).orderBy('id');
    expect(events.map((e: { payload: { change: string } }) => e.payload.change)).toEqual([
      'created',
      'updated',
      'paused',
      'resumed',
    ]);
    expect((await t.api.delete(`/api/pricing/rules/${id}`)).status).toBe(204);
    expect((await t.api.get(`/api/pricing/rules/${id}`)).status).toBe(404);
  });

  it("answers 404 for another tenant's rules and ticket types", async () => {
    const rule = await t.api.post<RuleBody>('/api/pricing/rules', {
      ticket_type_id: ticketTypeId,
      strategy: 'manual',
      rules: { price: 55 },
      status: 'paused',
    });
    expect(rule.status).toBe(201);
    for (const res of [
      await other.api.get(`/api/pricing/rules/${rule.body.id}`),
      await other.api.patch(`/api/pricing/rules/${rule.body.id}`, { priority: 1 }),
      await other.api.post(`/api/pricing/rules/${rule.body.id}/pause`),
      await other.api.delete(`/api/pricing/rules/${rule.body.id}`),
      await other.api.post('/api/pricing/rules', {
        ticket_type_id: ticketTypeId,
        strategy: 'manual',
        rules: { price: 1 },
      }),
      await other.api.get(`/api/pricing/ticket-types/${ticketTypeId}/schedule`),
      await other.api.get(`/api/pricing/ticket-types/${ticketTypeId}/price-changes`),
      await setPrice(other, ticketTypeId, 100),
    ])
      expect(res.status).toBe(404);
    expect((await other.api.get<{ items: unknown[] }>('/api/pricing/rules')).body.items).toEqual([]);
    expect((await t.api.get<RuleBody>(`/api/pricing/rules/${rule.body.id}`)).body.status).toBe('paused');
  });

  it('answers 400 invalid_rule with the position of a bad condition', async () => {
    const res = await t.api.post<Problem>('/api/pricing/rules', {
      ticket_type_id: ticketTypeId,
      strategy: 'demand',
      rules: demandRule('sales_velocity >> 50/hour'),
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_rule');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: 'body.rules.rules[0].condition', position: expect.any(Number) }),
    ]);
    expect(res.body.errors[0].position).toBe(16);
  });

  it('lists the planned tiers and the reachable price range within the cap', async () => {
    const t2 = await createTenantWithKey(h, 'Pricing schedule');
    const f = await createOnSaleEvent(t2, { price: 5000 });
    await setSettings(t2, { cap_minor: 9000 });
    const [a, b] = [inDays(1), inDays(2)];
    const rule = await t2.api.post<RuleBody>('/api/pricing/rules', {
      ticket_type_id: f.ticketTypeId,
      strategy: 'time',
      rules: {
        tiers: [
          { until: a, price: 50, label: 'Early Bird' },
          { until: b, price: 65, label: 'Regular' },
          { until: 'event', price: 95, label: 'Door Price' },
        ],
      },
    });
    expect(rule.status).toBe(201);
    const res = await t2.api.get<{
      tiers: { from: string; until: string | null; price_minor: number; label: string }[];
      price_range: { min_minor: number; max_minor: number };
    }>(`/api/pricing/ticket-types/${f.ticketTypeId}/schedule`);
    expect(res.status).toBe(200);
    expect(res.body.tiers.map((x) => [x.label, x.price_minor, x.until])).toEqual([
      ['Early Bird', 5000, a],
      ['Regular', 6500, b],
      ['Door Price', 9000, null],
    ]);
    expect(res.body.price_range).toEqual({ min_minor: 5000, max_minor: 9000 });
  });
});

describe('guardrails on manual price changes', () => {
  let t: TenantFixture;
  beforeAll(async () => {
    t = await createTenantWithKey(h, 'Pricing guardrails');
  });

  it('caps and floors a price and limits the change per day', async () => {
    const { ticketTypeId } = await createOnSaleEvent(t, { price: 5000 });
    await setSettings(t, { cap_minor: 5500, floor_minor: 3000, max_change_per_day_percent: 20 });
    const up = await setPrice(t, ticketTypeId, 20000);
    expect(up.body).toMatchObject({ changed: true, new_price_minor: 5500 });
    expect(up.body.limited_by).toContain('cap');
    const down = await setPrice(t, ticketTypeId, 100);
    // 20% either way of the price 24 hours ago (5000), and never under the floor.
    expect(down.body).toMatchObject({ changed: true, new_price_minor: 4000, lowest_30d_minor: 5000 });
    const tt = await t.api.get<{ items: { id: number; price_minor: number }[] }>(
      `/api/events/${(await h.owner('ticket_types').where({ id: ticketTypeId }).first()).event_id}/ticket-types`,
    );
    expect(tt.body.items[0].price_minor).toBe(4000);
  });

  it('never decreases, and keeps a minimum interval between changes', async () => {
    const { ticketTypeId } = await createOnSaleEvent(t, { price: 5000 });
    await setSettings(t, { never_decrease: true, min_interval_minutes: 60 });
    const down = await setPrice(t, ticketTypeId, 4000);
    expect(down.body).toMatchObject({ changed: false, new_price_minor: 5000, limited_by: ['never_decrease'] });
    expect((await setPrice(t, ticketTypeId, 5500)).body).toMatchObject({ changed: true, new_price_minor: 5500 });
    const soon = await setPrice(t, ticketTypeId, 6000);
    expect(soon.body).toMatchObject({ changed: false, new_price_minor: 5500, limited_by: ['min_interval'] });
    expect(Date.parse(soon.body.retry_at as string)).toBeGreaterThan(Date.now() + 59 * 60_000);
  });

  it('returns the lowest price of the prior 30 days with every reduction and in the history', async () => {
    const { ticketTypeId } = await createOnSaleEvent(t, { price: 5000 });
    await setSettings(t, {});
    await setPrice(t, ticketTypeId, 7000);
    await setPrice(t, ticketTypeId, 8000);
    const cut = await setPrice(t, ticketTypeId, 6000);
    expect(cut.body).toMatchObject({
      changed: true,
      old_price_minor: 8000,
      new_price_minor: 6000,
      lowest_30d_minor: 5000,
    });
    const raise = await setPrice(t, ticketTypeId, 6500);
    expect(raise.body.lowest_30d_minor).toBeNull();

    const history = await t.api.get<{ lowest_30d_minor: number; items: { new_price_minor: number; source: string }[] }>(
      `/api/pricing/ticket-types/${ticketTypeId}/price-changes`,
    );
    expect(history.body.lowest_30d_minor).toBe(5000);
    expect(history.body.items.map((i) => i.new_price_minor)).toEqual([7000, 8000, 6000, 6500]);
    const events = await h.owner('outbox').where({ tenant_id: t.tenantId, type: 'price.changed' }).orderBy('id');
    const reduction = events.find(
      (e: { payload: { ticket_type_id: number; new_price_minor: number } }) =>
        e.payload.ticket_type_id === ticketTypeId && e.payload.new_price_minor === 6000,
    );
    expect(reduction.payload).toMatchObject({ source: 'manual', lowest_30d_minor: 5000, currency: 'EUR' });
  });
});
