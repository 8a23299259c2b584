import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct, customerClient, orderWith, productCounters, type OrderView } from './purchases-helpers';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
}, 120_000);
afterAll(() => h.stop());

describe('add-ons after purchase', () => {
  it("adds parking to a paid order with a payment of its own, shown in the order's view", async () => {
    const f = await createOnSaleEvent(t, { price: 4500 });
    const parking = await createProduct(t, f, { inventory: 3, per_order_limit: 2, requires_redemption: true });
    const order = await orderWith(t, f, [{ product_id: parking.id, quantity: 1 }]);
    expect(order.status).toBe(201);
    expect(order.body.total_minor).toBe(6000);

    const me = await customerClient(h, t, f.customerId);
    const added = await me.post<OrderView>(`/api/upsells/orders/${order.body.id}/add-ons`, {
      items: [{ product_id: parking.id, quantity: 1 }],
    });
    expect(added.status).toBe(201);
    // The order keeps what it was paid; the difference is a payment of its own.
    expect(added.body.total_minor).toBe(6000);
    expect(added.body.upsell_payments).toEqual([
      expect.objectContaining({ amount_minor: 1500, status: 'paid', reference: expect.any(String) }),
    ]);
    expect(added.body.upsells).toEqual([
      expect.objectContaining({ payment_id: null, status: 'paid' }),
      expect.objectContaining({ payment_id: added.body.upsell_payments[0].id, status: 'paid' }),
    ]);
    expect(added.body.upsells[1].vouchers).toHaveLength(1);
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 2 });

    // The per-order limit counts what the order already holds.
    const third = await me.post(`/api/upsells/orders/${order.body.id}/add-ons`, {
      items: [{ product_id: parking.id, quantity: 1 }],
    });
    expect({ status: third.status, code: third.body.code }).toEqual({ status: 422, code: 'per_order_limit' });
  });

  it("refuses an unpaid order, another customer's order and a negative quantity", async () => {
    const f = await createOnSaleEvent(t);
    const drinks = await createProduct(t, f, { name: 'Drinks package' });
    const order = await orderWith(t, f, []);
    const stranger = await t.api.post<{ id: number }>('/api/customers', {
      email: `stranger-${Date.now()}@example.com`,
      name: 'Stranger',
    });
    const them = await customerClient(h, t, stranger.body.id);
    const foreign = await them.post(`/api/upsells/orders/${order.body.id}/add-ons`, {
      items: [{ product_id: drinks.id, quantity: 1 }],
    });
    expect(foreign.status).toBe(404);
    const negative = await t.api.post(`/api/upsells/orders/${order.body.id}/add-ons`, {
      items: [{ product_id: drinks.id, quantity: -2 }],
    });
    expect(negative.status).toBe(400);

    // An order still waiting for its card payment (the test's offline provider pays at once).
    await h.owner('orders').where({ id: order.body.id }).update({ status: 'pending' });
    const unpaid = await t.api.post(`/api/upsells/orders/${order.body.id}/add-ons`, {
      items: [{ product_id: drinks.id, quantity: 1 }],
    });
    expect({ status: unpaid.status, code: unpaid.body.code }).toEqual({ status: 409, code: 'order_not_paid' });
  });
});
