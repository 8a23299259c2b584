import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

interface Recs {
  items: { kind: string; id: number; reason: string }[];
}

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;
beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Upsell recommendations');
  other = await createTenantWithKey(h, 'Other recommendations tenant');
}, 120_000);
afterAll(() => h.stop());

const createEvent = async (name: string, category: string) => {
  const starts = new Date(Date.now() + 14 * 86_400_000);
  const res = await t.api.post<{ id: number }>('/api/events', {
    name,
    category,
    venue: { name: 'Hall', address: '1 Main St' },
    timezone: 'Europe/Berlin',
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3_600_000).toISOString(),
    capacity: 100,
    status: 'on_sale',
  });
  expect(res.status).toBe(201);
  return res.body.id;
};

let seq = 0;
/** A paid order of the customer for the event, stored directly: only the purchase history matters here. */
const paidOrder = async (customerId: number, eventId: number) =>
  h.owner('orders').insert({
    tenant_id: t.tenantId,
    event_id: eventId,
    customer_id: customerId,
    order_number: `REC-${++seq}`,
    status: 'paid',
    currency: 'EUR',
    total_minor: 1000,
    payment_provider: 'offline',
    paid_at: new Date(Date.now() - (100 - seq) * 60_000),
  });

describe('recommendations', () => {
  it('recommends what buyers of the event also bought, by category and popularity when it knows nothing', async () => {
    const rockA = await createEvent('Rock A', 'concerts');
    const rockB = await createEvent('Rock B', 'concerts');
    const play = await createEvent('Play', 'theatre');
    const opera = await createEvent('Opera', 'theatre');
    const customers: number[] = [];
    for (let i = 0; i < 6; i++)
      customers.push(
        (await t.api.post<{ id: number }>('/api/customers', { email: `rec${i}@example.com`, name: `Fan ${i}` })).body
          .id,
      );
    // Three rock fans buy both rock shows; everyone else goes to the play.
    for (const c of customers.slice(0, 3)) {
      await paidOrder(c, rockA);
      await paidOrder(c, rockB);
    }
    for (const c of customers) await paidOrder(c, play);

    const forRockA = await t.api.get<Recs>(`/api/upsells/recommendations?event_id=${rockA}`);
    expect(forRockA.status).toBe(200);
    expect(forRockA.body.items[0]).toMatchObject({ kind: 'event', id: rockB, reason: 'co_purchase' });
    expect(forRockA.body.items.map((i) => i.id)).not.toContain(rockA);

    // Opera has no buyers yet: the same category brings it up for the play.
    const forPlay = await t.api.get<Recs>(`/api/upsells/recommendations?event_id=${play}&limit=10`);
    expect(forPlay.body.items.find((i) => i.id === opera)?.reason).toBe('category');

    // A customer's history counts, and what they bought is never recommended to them.
    const fan = await t.api.get<Recs>(`/api/upsells/recommendations?customer_id=${customers[0]}`);
    expect(fan.body.items.map((i) => i.id)).not.toEqual(expect.arrayContaining([rockA]));
    expect(fan.body.items.map((i) => i.id)).not.toContain(play);

    // Cold start, with neither event nor customer: the most popular first.
    const cold = await t.api.get<Recs>('/api/upsells/recommendations');
    expect(cold.body.items[0]).toMatchObject({ id: play, reason: 'popular' });
  });

  it("answers 404 for another tenant's event or customer, and recommends nothing of theirs", async () => {
    const theirs = await t.api.get<Recs>('/api/upsells/recommendations');
    const eventId = theirs.body.items[0].id;
    expect((await other.api.get(`/api/upsells/recommendations?event_id=${eventId}`)).status).toBe(404);
    expect((await other.api.get('/api/upsells/recommendations?customer_id=1')).status).toBe(404);
    expect((await other.api.get<Recs>('/api/upsells/recommendations')).body.items).toEqual([]);
  });
});
