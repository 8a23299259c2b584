import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct } from './catalog-fixtures';

interface OffersBody {
  event_id: number;
  offers: {
    offer_id: string;
    rank: number;
    rule_id: number | null;
    product: { id: number; name: string; price_minor: number };
  }[];
}

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let eventId: number;
let gaId: number;
let vipId: number;
let customerId: number;
beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Upsell offers');
  other = await createTenantWithKey(h, 'Other offers tenant');
  ({ eventId, ticketTypeId: gaId, customerId } = await createOnSaleEvent(t, { inventory: 50, price: 4000 }));
  const vip = await t.api.post<{ id: number }>(`/api/events/${eventId}/ticket-types`, {
    name: 'VIP',
    price_minor: 12000,
    currency: 'EUR',
    inventory: 10,
  });
  vipId = vip.body.id;
}, 120_000);
afterAll(() => h.stop());

const offers = (api: TenantFixture['api'], query: string) => api.get<OffersBody>(`/api/upsells/offers?${query}`);
const namesOf = (b: OffersBody) => b.offers.map((o) => o.product.name);
const rule = async (productId: number, body: Record<string, unknown>) => {
  const res = await t.api.post<{ id: number }>('/api/upsells/rules', { product_id: productId, ...body });
  if (res.status !== 201) throw new Error(`rule: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
};

describe('upsell offers', () => {
  let event2: number;
  let ga2: number;
  beforeAll(async () => {
    // A second event keeps each scenario's products apart.
    ({ eventId: event2, ticketTypeId: ga2 } = await createOnSaleEvent(t, { inventory: 50, price: 3000 }));
  });

  it('offers by every rule type, ranked by priority, and records an impression per offer', async () => {
    const always = await createProduct(t, { event_id: eventId, name: 'Programme' });
    const vipOnly = await createProduct(t, { event_id: eventId, name: 'Lounge drink' });
    const bigCart = await createProduct(t, { event_id: eventId, name: 'Free parking upsell' });
    const fans = await createProduct(t, { event_id: eventId, name: 'Meet & greet' });
    const alwaysRule = await rule(always.id, { rule_type: 'always', priority: 50 });
    const vipRule = await rule(vipOnly.id, {
      rule_type: 'ticket_type',
      conditions: { ticket_type_ids: [vipId] },
      priority: 10,
    });
    await rule(bigCart.id, { rule_type: 'cart_value', conditions: { min_cart_minor: 10_000 }, priority: 20 });
    const segment = await t.api.post<{ id: number }>('/api/crm/segments', {
      name: 'Superfans',
      rules: { conditions: [{ field: 'total_orders', operator: '>=', value: 0 }] },
      is_dynamic: false,
    });
    expect(segment.status).toBe(201);
    await rule(fans.id, { rule_type: 'customer_segment', conditions: { segment_ids: [segment.body.id] }, priority: 5 });

    // One GA ticket: only the always rule.
    const ga = await offers(t.api, `location=cart&event_id=${eventId}&cart=${gaId}:1`);
    expect(ga.status).toBe(200);
    expect(namesOf(ga.body)).toEqual(['Programme']);
    expect(ga.body.offers[0]).toMatchObject({ rank: 1, rule_id: alwaysRule });

    // A VIP ticket (12000 ≥ 10000): ticket type and cart value rules, by priority.
    const vip = await offers(t.api, `location=cart&event_id=${eventId}&cart=${vipId}:1`);
    expect(namesOf(vip.body)).toEqual(['Lounge drink', 'Free parking upsell', 'Programme']);
    expect(vip.body.offers[0].rule_id).toBe(vipRule);
    // Three GA tickets reach the cart value too.
    expect(namesOf((await offers(t.api, `location=cart&event_id=${eventId}&cart=${gaId}:3`)).body)).toEqual([
      'Free parking upsell',
      'Programme',
    ]);

    // The segment's offer goes to its members only.
    const members = h.owner('customer_segment_members').where({ segment_id: segment.body.id, customer_id: customerId });
    await members.clone().update({ removed_at: new Date() });
    const outsider = await offers(t.api, `location=cart&event_id=${eventId}&cart=${gaId}:1&customer_id=${customerId}`);
    expect(namesOf(outsider.body)).toEqual(['Programme']);
    await h.owner('customer_segment_members').insert({
      tenant_id: t.tenantId,
      segment_id: segment.body.id,
      customer_id: customerId,
    });
    const member = await offers(t.api, `location=cart&event_id=${eventId}&cart=${gaId}:1&customer_id=${customerId}`);
    expect(namesOf(member.body)).toEqual(['Meet & greet', 'Programme']);
    // Without CRM the segment rule no longer matches.
    await h.owner('tenant_modules').where({ tenant_id: t.tenantId, module: 'crm' }).update({ enabled: false });
    try {
      const noCrm = await offers(t.api, `location=cart&event_id=${eventId}&cart=${gaId}:1&customer_id=${customerId}`);
      expect(namesOf(noCrm.body)).toEqual(['Programme']);
    } finally {
      await h.owner('tenant_modules').where({ tenant_id: t.tenantId, module: 'crm' }).update({ enabled: true });
    }

    const shown = [...ga.body.offers, ...vip.body.offers, ...member.body.offers].map((o) => o.offer_id);
    expect(new Set(shown).size).toBe(shown.length);
    const rows = await h.owner('upsell_conversions').whereIn('offer_id', shown);
    expect(rows).toHaveLength(shown.length);
    expect(rows.every((r: { display_location: string }) => r.display_location === 'cart')).toBe(true);
  });

  it('respects display location, sale window, stock and upgrades only a cart that has something to upgrade', async () => {
    const hour = 3_600_000;
    await createProduct(t, { event_id: event2, name: 'Checkout only', display_in: 'checkout' });
    await createProduct(t, {
      event_id: event2,
      name: 'Later',
      sale_starts_at: new Date(Date.now() + hour).toISOString(),
    });
    const soldOut = await createProduct(t, { event_id: event2, name: 'Last spot', inventory: 1 });
    await createProduct(t, { event_id: event2, name: 'Anywhere' });
    const vip2 = await t.api.post<{ id: number }>(`/api/events/${event2}/ticket-types`, {
      name: 'VIP',
      price_minor: 9000,
      currency: 'EUR',
      inventory: 5,
    });
    await createProduct(t, {
      type: 'upgrade',
      event_id: event2,
      name: 'Go VIP',
      price_minor: 6000,
      upgrade_ticket_type_id: vip2.body.id,
    });

    const cart = await offers(t.api, `location=cart&event_id=${event2}&cart=${ga2}:1&limit=20`);
    expect(namesOf(cart.body).sort()).toEqual(['Anywhere', 'Go VIP', 'Last spot']);
    const checkout = await offers(t.api, `location=checkout&event_id=${event2}&cart=${vip2.body.id}:1&limit=20`);
    expect(namesOf(checkout.body).sort()).toEqual(['Anywhere', 'Checkout only', 'Last spot']);

    await h.owner('upsell_products').where({ id: soldOut.id }).update({ sold: 1 });
    expect(namesOf((await offers(t.api, `location=cart&event_id=${event2}&cart=${ga2}:1`)).body)).not.toContain(
      'Last spot',
    );
  });

  it('answers a change to the catalogue on the very next call: a new product, a price, a rule, a deactivation', async () => {
    const { eventId: ev, ticketTypeId: tt } = await createOnSaleEvent(t, { inventory: 20, price: 2500 });
    const ask = async () => (await offers(t.api, `location=cart&event_id=${ev}&cart=${tt}:1`)).body;
    const scarf = await createProduct(t, { event_id: ev, name: 'Scarf', price_minor: 1500 });
    expect(namesOf(await ask())).toEqual(['Scarf']);
    expect(namesOf(await ask())).toEqual(['Scarf']);

    const mug = await createProduct(t, { event_id: ev, name: 'Mug', price_minor: 900 });
    expect(namesOf(await ask())).toEqual(['Scarf', 'Mug']);
    expect((await t.api.patch(`/api/upsells/products/${mug.id}`, { price_minor: 1100 })).status).toBe(200);
    expect((await ask()).offers.find((o) => o.product.name === 'Mug')?.product).toMatchObject({ price_minor: 1100 });
    await rule(mug.id, { rule_type: 'always', priority: 1 });
    expect(namesOf(await ask())).toEqual(['Mug', 'Scarf']);
    expect((await t.api.patch(`/api/upsells/products/${scarf.id}`, { status: 'inactive' })).status).toBe(200);
    expect(namesOf(await ask())).toEqual(['Mug']);
  });

  it('offers after purchase for an order, and records a click', async () => {
    const order = await t.api.post<{ id: number }>('/api/orders', {
      event_id: eventId,
      customer_id: customerId,
      items: [{ ticket_type_id: vipId, quantity: 1 }],
    });
    expect(order.status).toBe(201);
    const res = await offers(t.api, `location=confirmation&order_id=${order.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body.event_id).toBe(eventId);
    expect(namesOf(res.body)).toContain('Lounge drink');
    const offerId = res.body.offers[0].offer_id;
    const row = await h.owner('upsell_conversions').where({ offer_id: offerId }).first();
    expect(Number(row.order_id)).toBe(order.body.id);

    const click = await t.api.post<{ clicked_at: string }>(`/api/upsells/offers/${offerId}/click`);
    expect(click.status).toBe(200);
    const again = await t.api.post<{ clicked_at: string }>(`/api/upsells/offers/${offerId}/click`);
    expect(again.body.clicked_at).toBe(click.body.clicked_at);
  });

  it("answers 404 for another tenant's event, order, ticket types and offers", async () => {
    const res = await offers(t.api, `location=cart&event_id=${eventId}&cart=${gaId}:1`);
    const offerId = res.body.offers[0].offer_id;
    expect((await offers(other.api, `location=cart&event_id=${eventId}`)).status).toBe(404);
    expect((await other.api.post(`/api/upsells/offers/${offerId}/click`)).status).toBe(404);
    const own = await createOnSaleEvent(other);
    expect((await offers(other.api, `location=cart&event_id=${own.eventId}&cart=${gaId}:1`)).status).toBe(404);
    expect((await offers(other.api, `location=cart&event_id=${own.eventId}`)).body.offers).toEqual([]);
  });

  it('refuses a rule of the wrong shape, and a segment rule without CRM', async () => {
    const p = await createProduct(t, { event_id: eventId, name: 'Shape check' });
    const bad = await t.api.post<{ code: string }>('/api/upsells/rules', {
      product_id: p.id,
      rule_type: 'ticket_type',
      conditions: { min_cart_minor: 5 },
    });
    expect(bad.status).toBe(400);
    const wrongEvent = await t.api.post<{ code: string }>('/api/upsells/rules', {
      product_id: p.id,
      rule_type: 'ticket_type',
      conditions: { ticket_type_ids: [ga2] },
    });
    expect(wrongEvent.status).toBe(422);
    const noCrm = await createTenantWithKey(h, 'No CRM', ['admin'], ['upsells']);
    const theirs = await createProduct(noCrm);
    const seg = await noCrm.api.post<{ code: string }>('/api/upsells/rules', {
      product_id: theirs.id,
      rule_type: 'customer_segment',
      conditions: { segment_ids: [1] },
    });
    expect(seg.status).toBe(422);
    expect(seg.body.code).toBe('crm_not_enabled');
    expect((await other.api.get(`/api/upsells/rules?product_id=${p.id}`)).body).toMatchObject({ items: [] });
  });

  it('reports conversion rate and revenue per product, rule and location', async () => {
    const p = await createProduct(t, { event_id: event2, name: 'Measured', display_in: 'all' });
    const ruleId = await rule(p.id, { rule_type: 'always', priority: -100 });
    const shown: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await offers(t.api, `location=checkout&event_id=${event2}&cart=${ga2}:1&limit=1`);
      expect(res.body.offers[0].product.id).toBe(p.id);
      shown.push(res.body.offers[0].offer_id);
    }
    // The purchase marks the conversion; here it is stored directly.
    await h.owner('upsell_conversions').where({ offer_id: shown[0] }).update({
      converted: true,
      converted_at: new Date(),
      revenue_minor: 500,
    });
    const byProduct = await t.api.get<{ items: Record<string, unknown>[] }>(`/api/upsells/stats?product_id=${p.id}`);
    expect(byProduct.body.items).toEqual([
      {
        key: String(p.id),
        impressions: 4,
        clicks: 0,
        conversions: 1,
        click_rate: 0,
        conversion_rate: 0.25,
        revenue_minor: 500,
      },
    ]);
    const byRule = await t.api.get<{ items: { key: string }[] }>(`/api/upsells/stats?by=rule&product_id=${p.id}`);
    expect(byRule.body.items.map((r) => r.key)).toEqual([String(ruleId)]);
    const byLocation = await t.api.get<{ items: { key: string; conversions: number }[] }>(
      `/api/upsells/stats?by=location&event_id=${event2}`,
    );
    expect(byLocation.body.items.find((r) => r.key === 'checkout')?.conversions).toBe(1);
    expect((await other.api.get<{ items: unknown[] }>('/api/upsells/stats')).body.items).toEqual([]);
  });
});
