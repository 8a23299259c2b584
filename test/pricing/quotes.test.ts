import { createHarness, client, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { withTenant } from '../../db/connection';
import { placeOrder } from '../../db/orders/placement';
import { applyPriceChange } from '../../db/pricing/changes';
import { AppError } from '../../lib/errors';

interface QuoteBody {
  id: number;
  token: string;
  status: string;
  expires_at: string;
  lines: { ticket_type_id: number; price_minor: number; rule_id: number | null; price_test_id: number | null }[];
}
interface OrderBody {
  id: number;
  total_minor: number;
}

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

const quote = async (body: Record<string, unknown>, api = t.api) => {
  const res = await api.post<QuoteBody>('/api/pricing/quotes', body);
  expect(res.status).toBe(201);
  return res.body;
};

const order = (f: EventFixture, extra: Record<string, unknown> = {}, customerId = f.customerId, api = t.api) =>
  api.post<OrderBody & { code: string }>('/api/orders', {
    event_id: f.eventId,
    customer_id: customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    ...extra,
  });

const setPrice = (f: EventFixture, priceMinor: number, ruleId: number | null = null) =>
  withTenant(h.db, t.tenantId, (tx) =>
    applyPriceChange(tx, t.tenantId, {
      ticketTypeId: f.ticketTypeId,
      priceMinor,
      reason: 'test',
      ruleId,
      source: ruleId ? 'rule' : 'manual',
    }),
  );

const itemOf = async (orderId: number) =>
  (await h.owner('order_items').where({ order_id: orderId }).first()) as {
    unit_price_minor: number;
    price_rule_id: number | null;
    price_quote_id: number | null;
  };

describe('price quotes', () => {
  it('holds the quoted price through a price change, once; orders without a quote pay the current price and record its rule', async () => {
    const f = await createOnSaleEvent(t, { price: 4500 });
    const q = await quote({ event_id: f.eventId, customer_id: f.customerId });
    expect(q.status).toBe('open');
    expect(q.lines).toEqual([
      expect.objectContaining({
        ticket_type_id: f.ticketTypeId,
        price_minor: 4500,
        rule_id: null,
        price_test_id: null,
      }),
    ]);
    expect(new Date(q.expires_at).getTime() - Date.now()).toBeGreaterThan(880_000);

    const [rule] = (await h
      .owner('pricing_rules')
      .insert({
        tenant_id: t.tenantId,
        event_id: f.eventId,
        ticket_type_id: f.ticketTypeId,
        strategy: 'manual',
        rules: { price: 6000 },
      })
      .returning('id')) as { id: number }[];
    await setPrice(f, 6000, rule.id);

    const held = await order(f, { quote_token: q.token });
    expect(held.status).toBe(201);
    expect(held.body.total_minor).toBe(9000);
    expect(await itemOf(held.body.id)).toMatchObject({
      unit_price_minor: 4500,
      price_quote_id: q.id,
      price_rule_id: null,
    });

    const again = await order(f, { quote_token: q.token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('quote_used');
    expect((await t.api.get<QuoteBody>(`/api/pricing/quotes/${q.id}`)).body.status).toBe('used');

    const current = await order(f);
    expect(current.status).toBe(201);
    expect(current.body.total_minor).toBe(12_000);
    expect(await itemOf(current.body.id)).toMatchObject({ price_rule_id: rule.id, price_quote_id: null });

    const requoted = await quote({ ticket_type_ids: [f.ticketTypeId], customer_id: f.customerId });
    expect(requoted.lines[0]).toMatchObject({ price_minor: 6000, rule_id: rule.id });
  });

  it('refuses a quote past its lifetime as expired; without it the order pays the current price', async () => {
    const f = await createOnSaleEvent(t, { price: 3000 });
    const q = await quote({ event_id: f.eventId, customer_id: f.customerId });
    await setPrice(f, 3500);
    const later = new Date(new Date(q.expires_at).getTime() + 1000);
    const placed = withTenant(h.db, t.tenantId, (tx) =>
      placeOrder(tx, t.tenantId, {
        eventId: f.eventId,
        customerId: f.customerId,
        provider: 'offline',
        quoteToken: q.token,
        lines: [{ ticketTypeId: f.ticketTypeId, quantity: 1 }],
        now: later,
      }),
    );
    await expect(placed).rejects.toMatchObject({ status: 422, code: 'quote_expired' });
    await expect(placed).rejects.toBeInstanceOf(AppError);
    // Still within its lifetime now: the quote was not spent by the refused order.
    expect((await t.api.get<QuoteBody>(`/api/pricing/quotes/${q.id}`)).body.status).toBe('open');
    const current = await order(f);
    expect(current.body.total_minor).toBe(7000);
  });

  it("refuses a tampered token, another customer's quote and another tenant's", async () => {
    const f = await createOnSaleEvent(t, { price: 2000 });
    const q = await quote({ event_id: f.eventId, customer_id: f.customerId });
    const tampered = q.token.slice(0, -4) + (q.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const forged = await order(f, { quote_token: tampered });
    expect(forged.status).toBe(422);
    expect(forged.body.code).toBe('quote_invalid');

    const other = await t.api.post<{ id: number }>('/api/customers', {
      email: `other-${Date.now()}@example.com`,
      name: 'Other',
    });
    const foreign = await order(f, { quote_token: q.token }, other.body.id);
    expect(foreign.status).toBe(422);
    expect(foreign.body.code).toBe('quote_invalid');

    const token = await t.api.post<{ token: string }>(`/api/customers/${other.body.id}/tokens`, {});
    const asOther = client(h.baseUrl, token.body.token);
    expect((await asOther.get(`/api/pricing/quotes/${q.id}`)).status).toBe(404);
    const own = await quote({ event_id: f.eventId }, asOther);
    expect((await asOther.get(`/api/pricing/quotes/${own.id}`)).status).toBe(200);

    const t2 = await createTenantWithKey(h, 'Other tenant');
    expect((await t2.api.get(`/api/pricing/quotes/${q.id}`)).status).toBe(404);
    const f2 = await createOnSaleEvent(t2, { price: 2000 });
    const crossTenant = await order(f2, { quote_token: q.token }, f2.customerId, t2.api);
    expect(crossTenant.status).toBe(422);
    expect(crossTenant.body.code).toBe('quote_invalid');
    expect((await t2.api.post('/api/pricing/quotes', { event_id: f.eventId, customer_id: f2.customerId })).status).toBe(
      404,
    );

    // The genuine holder still can.
    const mine = await order(f, { quote_token: q.token });
    expect(mine.status).toBe(201);
    expect(mine.body.total_minor).toBe(4000);
  });

  it('asks for the ticket types (of one event) and a buyer', async () => {
    const f = await createOnSaleEvent(t);
    const g = await createOnSaleEvent(t);
    const both = await t.api.post<{ code: string }>('/api/pricing/quotes', {
      event_id: f.eventId,
      ticket_type_ids: [g.ticketTypeId],
      customer_id: f.customerId,
    });
    expect(both.status).toBe(422);
    expect(both.body.code).toBe('ticket_types_span_events');
    expect((await t.api.post('/api/pricing/quotes', { customer_id: f.customerId })).status).toBe(400);
    expect((await t.api.post('/api/pricing/quotes', { event_id: f.eventId })).status).toBe(400);
    const visitor = await quote({ event_id: f.eventId, visitor: 'anon-123' });
    expect(visitor.lines[0].price_minor).toBe(4500);
  });
});
