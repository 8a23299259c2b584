import { demoTicketTypes, type DemoApi, type Page } from './api';

interface Product {
  id: number;
  name: string;
  type: string;
  variants: { key: string }[];
}
interface Offer {
  offer_id: string;
  product: Product;
}
interface Offers {
  offers: Offer[];
}

const SEGMENT = 'Demo: returning buyers';
const PARKING = 'Parking, Tempodrom garage';
const SHIRT = 'Tour T-shirt';
const DRINK = 'Drink voucher';
const UPGRADE = 'Upgrade to VIP';
const BUNDLE = 'Night-out bundle';
const HOTEL = 'Hotel Tempodrom Suites';

/** Two general admission tickets: what the cart-value offers (bundle, hotel) wait for. */
const CART_VALUE_MINOR = 9000;

/**
 * The upsells of the demo event: add-ons (parking with 40 spaces, a T-shirt in four sizes, drink
 * vouchers), an upgrade to VIP, a bundle, a partner hotel, a rule of every type, and offers shown,
 * clicked and bought after purchase, so stats and recommendations have something to show.
 */
export async function seedDemoUpsells(api: DemoApi, eventId: number): Promise<void> {
  const { general, vip } = await demoTicketTypes(api, eventId);
  const segmentId = await returningBuyers(api);
  const existing = (await api.get<Page<Product>>(`/api/upsells/products?event_id=${eventId}&limit=200`)).items;
  const byName = new Map(existing.map((p) => [p.name, p.id]));
  const product = async (body: Record<string, unknown> & { name: string }): Promise<number> => {
    const known = byName.get(body.name);
    if (known) return known;
    const created = await api.post<Product>('/api/upsells/products', { currency: 'EUR', event_id: eventId, ...body });
    byName.set(created.name, created.id);
    return created.id;
  };

  const parking = await product({
    type: 'addon',
    name: PARKING,
    category: 'parking',
    description: 'A space in the garage next door, scanned once at the entrance',
    price_minor: 1200,
    inventory: 40,
    per_order_limit: 2,
    requires_redemption: true,
  });
  const shirt = await product({
    type: 'addon',
    name: SHIRT,
    category: 'merchandise',
    price_minor: 2500,
    original_price_minor: 3000,
    inventory: 200,
    variants: ['S', 'M', 'L', 'XL'].map((s) => ({ key: s.toLowerCase(), label: s })),
  });
  const drink = await product({
    type: 'addon',
    name: DRINK,
    category: 'food_drink',
    description: 'One drink at any bar, redeemed at the bar scanner',
    price_minor: 600,
    per_ticket_limit: 4,
    requires_redemption: true,
  });
  const upgrade = vip
    ? await product({
        type: 'upgrade',
        name: UPGRADE,
        description: 'Artist entrance, lounge and the best view',
        price_minor: vip.price_minor - (general?.price_minor ?? 0),
        upgrade_ticket_type_id: vip.id,
      })
    : undefined;
  const bundle = await product({
    type: 'bundle',
    name: BUNDLE,
    description: 'Parking and two drinks',
    price_minor: 2000,
    original_price_minor: 2400,
    bundle_items: [
      { product_id: parking, quantity: 1 },
      { product_id: drink, quantity: 2 },
    ],
  });
  const hotel = await product({
    type: 'external',
    name: HOTEL,
    category: 'hotel',
    description: 'A room five minutes away, booked with our partner',
    price_minor: 8900,
    display_in: 'confirmation',
    external_url: 'https://hotels.example.com/berlin/tempodrom-suites',
    affiliate_code: 'usher-demo',
  });

  // Every rule type; the lower priority ranks first.
  await rules(api, parking, [{ rule_type: 'always', priority: 30 }]);
  await rules(api, drink, [{ rule_type: 'always', priority: 40 }]);
  await rules(api, shirt, [
    { rule_type: 'customer_segment', conditions: { segment_ids: [segmentId] }, priority: 15 },
    { rule_type: 'always', priority: 60 },
  ]);
  if (upgrade && general)
    await rules(api, upgrade, [
      { rule_type: 'ticket_type', conditions: { ticket_type_ids: [general.id] }, priority: 10 },
    ]);
  await rules(api, bundle, [
    { rule_type: 'cart_value', conditions: { min_cart_minor: CART_VALUE_MINOR }, priority: 20 },
  ]);
  await rules(api, hotel, [
    { rule_type: 'cart_value', conditions: { min_cart_minor: CART_VALUE_MINOR }, priority: 50 },
  ]);

  await shopperTraffic(api, eventId, general?.id);
}

async function returningBuyers(api: DemoApi): Promise<number> {
  const found = (await api.get<Page<{ id: number; name: string }>>('/api/crm/segments?limit=200')).items.find(
    (s) => s.name === SEGMENT,
  );
  if (found) return found.id;
  const created = await api.post<{ id: number }>('/api/crm/segments', {
    name: SEGMENT,
    description: 'Customers with at least two orders (the T-shirt offer ranks first for them)',
    rules: { conditions: [{ field: 'total_orders', operator: '>=', value: 2 }] },
    is_dynamic: false,
  });
  return created.id;
}

/** A product's rules, created only when it has none yet. */
async function rules(api: DemoApi, productId: number, wanted: Record<string, unknown>[]): Promise<void> {
  if ((await api.get<Page<unknown>>(`/api/upsells/rules?product_id=${productId}`)).items.length) return;
  for (const rule of wanted) await api.post('/api/upsells/rules', { product_id: productId, ...rule });
}

/**
 * Offers shown in carts and checkouts, and after purchase to the first paid orders: some clicked, every
 * other one bought with its offer id, so the stats count impressions, clicks and conversions. Once only:
 * a tenant whose offers converted already is left alone.
 */
async function shopperTraffic(api: DemoApi, eventId: number, generalId: number | undefined): Promise<void> {
  const stats = await api.get<Page<{ conversions: number }>>(`/api/upsells/stats?event_id=${eventId}`);
  if (stats.items.some((r) => r.conversions > 0)) return;
  if (generalId) {
    await api.get<Offers>(`/api/upsells/offers?location=cart&event_id=${eventId}&cart=${generalId}:1`);
    await api.get<Offers>(`/api/upsells/offers?location=checkout&event_id=${eventId}&cart=${generalId}:2`);
  }
  const orders = await api.get<Page<{ id: number }>>(`/api/orders?event_id=${eventId}&status=paid&limit=8`);
  for (const [i, order] of orders.items.entries()) {
    const { offers } = await api.get<Offers>(`/api/upsells/offers?location=confirmation&order_id=${order.id}`);
    const hotel = offers.find((o) => o.product.type === 'external');
    if (hotel) await api.post(`/api/upsells/offers/${hotel.offer_id}/click`, {});
    const addOn = offers.find((o) => o.product.type === 'addon' || o.product.type === 'bundle');
    if (!addOn) continue;
    await api.post(`/api/upsells/offers/${addOn.offer_id}/click`, {});
    if (i % 2 === 1) continue;
    const variant = addOn.product.variants[0]?.key;
    await api.post(`/api/upsells/orders/${order.id}/add-ons`, {
      items: [{ product_id: addOn.product.id, quantity: 1, offer_id: addOn.offer_id, ...(variant ? { variant } : {}) }],
    });
  }
}
