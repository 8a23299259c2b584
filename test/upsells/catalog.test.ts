import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct, type ProductBody } from './catalog-fixtures';

interface Problem {
  code: string;
  errors?: { path: string }[];
}

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
let eventId: number;
let ticketTypeId: number;
beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Upsell catalog');
  other = await createTenantWithKey(h, 'Other upsell tenant');
  ({ eventId, ticketTypeId } = await createOnSaleEvent(t, { inventory: 50, capacity: 100 }));
}, 120_000);
afterAll(() => h.stop());

describe('upsell products', () => {
  it('creates, lists, changes and deletes an add-on with variants and limited inventory', async () => {
    const p = await createProduct(t, {
      event_id: eventId,
      name: 'Tour T-shirt',
      category: 'merchandise',
      price_minor: 2500,
      inventory: 40,
      variants: [
        { key: 's', label: 'S' },
        { key: 'xl', label: 'XL' },
      ],
      per_order_limit: 4,
      display_in: 'checkout',
    });
    expect(p).toMatchObject({ type: 'addon', inventory: 40, reserved: 0, sold: 0, available: 40, status: 'active' });

    const list = await t.api.get<{ items: ProductBody[] }>(`/api/upsells/products?event_id=${eventId}`);
    expect(list.body.items.map((i) => i.id)).toContain(p.id);

    const changed = await t.api.patch<ProductBody>(`/api/upsells/products/${p.id}`, {
      price_minor: 2000,
      inventory: 30,
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ price_minor: 2000, available: 30, name: 'Tour T-shirt' });

    expect((await t.api.delete(`/api/upsells/products/${p.id}`)).status).toBe(204);
    expect((await t.api.get(`/api/upsells/products/${p.id}`)).status).toBe(404);
  });

  it('answers 400 to a negative price or inventory', async () => {
    for (const bad of [{ price_minor: -1 }, { inventory: -5 }, { per_order_limit: 0 }]) {
      const res = await t.api.post<Problem>('/api/upsells/products', {
        type: 'addon',
        name: 'Bad',
        price_minor: 100,
        currency: 'EUR',
        ...bad,
      });
      expect(res.status).toBe(400);
    }
    const p = await createProduct(t);
    expect((await t.api.patch(`/api/upsells/products/${p.id}`, { price_minor: -100 })).status).toBe(400);
  });

  it('checks the shape of upgrades, bundles and partner offers', async () => {
    const noTarget = await t.api.post<Problem>('/api/upsells/products', {
      type: 'upgrade',
      name: 'VIP',
      price_minor: 3000,
      currency: 'EUR',
    });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.errors?.map((e) => e.path)).toContain('body.upgrade_ticket_type_id');

    const vip = await t.api.post<{ id: number }>(`/api/events/${eventId}/ticket-types`, {
      name: 'VIP',
      price_minor: 9000,
      currency: 'EUR',
      inventory: 10,
    });
    expect(vip.status).toBe(201);
    const upgrade = await createProduct(t, {
      type: 'upgrade',
      event_id: eventId,
      name: 'Upgrade to VIP',
      price_minor: 4500,
      upgrade_ticket_type_id: vip.body.id,
    });
    expect(upgrade.type).toBe('upgrade');

    const parking = await createProduct(t, { event_id: eventId });
    const bundle = await createProduct(t, {
      type: 'bundle',
      event_id: eventId,
      name: 'Ticket + parking',
      price_minor: 4800,
      bundle_items: [
        { ticket_type_id: ticketTypeId, quantity: 1 },
        { product_id: parking.id, quantity: 1 },
      ],
    });
    // A product inside a bundle is not deleted from under it.
    const del = await t.api.delete<Problem>(`/api/upsells/products/${parking.id}`);
    expect(del.status).toBe(409);
    expect(del.body.code).toBe('product_in_use');

    const nested = await t.api.post<Problem>('/api/upsells/products', {
      type: 'bundle',
      name: 'Bundle of bundles',
      price_minor: 100,
      currency: 'EUR',
      bundle_items: [{ product_id: bundle.id, quantity: 1 }],
    });
    expect(nested.status).toBe(422);
    expect(nested.body.code).toBe('bundle_item_not_addon');

    const external = await t.api.post<Problem>('/api/upsells/products', {
      type: 'external',
      name: 'Hotel',
      price_minor: 0,
      currency: 'EUR',
    });
    expect(external.status).toBe(400);
  });

  it("answers 404 for another tenant's products and for its ticket types as upgrade targets", async () => {
    const p = await createProduct(t);
    expect((await other.api.get(`/api/upsells/products/${p.id}`)).status).toBe(404);
    expect((await other.api.patch(`/api/upsells/products/${p.id}`, { name: 'Mine' })).status).toBe(404);
    expect((await other.api.delete(`/api/upsells/products/${p.id}`)).status).toBe(404);
    const list = await other.api.get<{ items: ProductBody[] }>('/api/upsells/products');
    expect(list.body.items.map((i) => i.id)).not.toContain(p.id);

    const stolen = await other.api.post('/api/upsells/products', {
      type: 'upgrade',
      name: 'Steal',
      price_minor: 100,
      currency: 'EUR',
      upgrade_ticket_type_id: ticketTypeId,
    });
    expect(stolen.status).toBe(404);
    const stolenBundle = await other.api.post('/api/upsells/products', {
      type: 'bundle',
      name: 'Steal',
      price_minor: 100,
      currency: 'EUR',
      bundle_items: [{ product_id: p.id, quantity: 1 }],
    });
    expect(stolenBundle.status).toBe(404);
  });

  it('keeps inventory at or above what is reserved and sold', async () => {
    const p = await createProduct(t, { inventory: 5 });
    await h.owner('upsell_products').where({ id: p.id }).update({ sold: 3 });
    const res = await t.api.patch<Problem>(`/api/upsells/products/${p.id}`, { inventory: 2 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('inventory_below_committed');
    expect((await t.api.delete<Problem>(`/api/upsells/products/${p.id}`)).status).toBe(409);
  });
});
