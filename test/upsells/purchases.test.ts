import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct, orderWith, productCounters, type OrderView } from './purchases-helpers';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
}, 120_000);
afterAll(() => h.stop());

describe('buying add-ons with the tickets', () => {
  it('adds parking and a sized T-shirt to the order: paid with the tickets, sold counted, vouchers issued, offer converted', async () => {
    const f = await createOnSaleEvent(t, { price: 4500 });
    const parking = await createProduct(t, f, { inventory: 10, requires_redemption: true });
    const shirt = await createProduct(t, f, {
      name: 'Tour T-shirt',
      category: 'merchandise',
      price_minor: 2500,
      variants: [
        { key: 'M', label: 'Medium' },
        { key: 'L', label: 'Large' },
      ],
    });
    await h.owner('upsell_conversions').insert({
      tenant_id: t.tenantId,
      product_id: parking.id,
      offer_id: 'of-parking-1',
      display_location: 'cart',
    });

    const res = await orderWith(
      t,
      f,
      [
        { product_id: parking.id, quantity: 2, offer_id: 'of-parking-1' },
        { product_id: shirt.id, quantity: 1, variant: 'L' },
      ],
      { items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }] },
    );
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('paid');
    expect(res.body.total_minor).toBe(2 * 4500 + 2 * 1500 + 2500);
    expect(res.body.upsells).toEqual([
      expect.objectContaining({ product_id: parking.id, quantity: 2, status: 'paid', payment_id: null }),
      expect.objectContaining({ product_id: shirt.id, quantity: 1, variant: 'L', status: 'paid', vouchers: [] }),
    ]);
    const vouchers = res.body.upsells[0].vouchers;
    expect(vouchers).toHaveLength(2);
    expect(new Set(vouchers.map((v) => v.code)).size).toBe(2);
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 2 });

    const conversion = await h.owner('upsell_conversions').where({ offer_id: 'of-parking-1' }).first();
    expect(conversion).toMatchObject({ converted: true, revenue_minor: 3000, order_id: res.body.id });

    // The same view is what the customer reads back.
    const again = await t.api.get<OrderView>(`/api/orders/${res.body.id}`);
    expect(again.body.upsells).toEqual(res.body.upsells);
  });

  it('refuses bad lines with clear codes and reserves nothing', async () => {
    const f = await createOnSaleEvent(t);
    const limited = await createProduct(t, f, { inventory: 10, per_order_limit: 2, per_ticket_limit: 1 });
    const shirt = await createProduct(t, f, { variants: [{ key: 'M', label: 'Medium' }] });
    const later = await createProduct(t, f, { sale_starts_at: new Date(Date.now() + 86_400_000) });
    const other = await createOnSaleEvent(t);
    const elsewhere = await createProduct(t, other);

    const bad = await orderWith(t, f, [{ product_id: limited.id, quantity: -1 }]);
    expect(bad.status).toBe(400);
    expect((await orderWith(t, f, [{ product_id: limited.id, quantity: 0 }])).status).toBe(400);

    const cases: [Record<string, unknown>[], number, string][] = [
      [[{ product_id: limited.id, quantity: 2 }], 422, 'per_ticket_limit'],
      [[{ product_id: limited.id, quantity: 3 }], 422, 'per_order_limit'],
      [[{ product_id: shirt.id, quantity: 1 }], 422, 'variant_required'],
      [[{ product_id: shirt.id, quantity: 1, variant: 'XXL' }], 422, 'unknown_variant'],
      [[{ product_id: later.id, quantity: 1 }], 422, 'upsell_not_on_sale'],
      [[{ product_id: elsewhere.id, quantity: 1 }], 422, 'wrong_event'],
      [[{ product_id: 999_999_999, quantity: 1 }], 404, 'not_found'],
    ];
    for (const [upsells, status, code] of cases) {
      const res = await orderWith(t, f, upsells);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    }
    // Two tickets allow two units per ticket-limit 1.
    const two = await orderWith(t, f, [{ product_id: limited.id, quantity: 2 }], {
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    });
    expect(two.status).toBe(201);
    expect(await productCounters(h, limited.id)).toEqual({ reserved: 0, sold: 2 });
    const tt = await h.owner('ticket_types').where({ id: f.ticketTypeId }).first('sold');
    expect(tt.sold).toBe(2);
  });

  it("another tenant's product answers 404", async () => {
    const f = await createOnSaleEvent(t);
    const other = await createTenantWithKey(h, 'Other tenant');
    const g = await createOnSaleEvent(other);
    const theirs = await createProduct(other, g);
    const res = await orderWith(t, f, [{ product_id: theirs.id, quantity: 1 }]);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'not_found' });
  });

  it('concurrent buyers of the last parking spot: exactly one gets it, the others keep nothing', async () => {
    const f = await createOnSaleEvent(t, { inventory: 50 });
    const parking = await createProduct(t, f, { inventory: 1 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => orderWith(t, f, [{ product_id: parking.id, quantity: 1 }])),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'upsell_sold_out')).toBe(true);
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 1 });
    // The refused orders gave their seats back with the transaction.
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first('sold')).sold).toBe(1);
  });

  it('cancelling the order gives the add-on back and voids its vouchers', async () => {
    const f = await createOnSaleEvent(t);
    const parking = await createProduct(t, f, { inventory: 3, requires_redemption: true });
    const res = await orderWith(t, f, [{ product_id: parking.id, quantity: 1 }]);
    expect(res.status).toBe(201);
    const cancelled = await t.api.post<OrderView>(`/api/orders/${res.body.id}/cancel`, { reason: 'test' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.upsells[0]).toMatchObject({ status: 'cancelled', vouchers: [{ status: 'cancelled' }] });
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 0 });
  });

  it('meters 3% of upsell revenue into the monthly bill', async () => {
    const billing = await createTenantWithKey(h, 'Billed tenant', ['admin'], ['upsells']);
    const f = await createOnSaleEvent(billing);
    const vip = await createProduct(billing, f, { name: 'Meet & greet', price_minor: 10_000 });
    const res = await orderWith(billing, f, [{ product_id: vip.id, quantity: 2 }]);
    expect(res.status).toBe(201);
    const month = new Date().toISOString().slice(0, 7);
    const bill = await billing.api.get<{ lines: { code: string; quantity: number; amount_minor: number }[] }>(
      `/api/billing/usage?month=${month}`,
    );
    expect(bill.body.lines).toContainEqual(
      expect.objectContaining({ code: 'upsells.commission', quantity: 2, amount_minor: 600 }),
    );
  });
});
