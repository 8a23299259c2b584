import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
  await t.api.patch('/api/tenant', { contact_email: 'marketing@tenant.example' });
});
afterAll(() => h.stop());

describe("the event diagram's reactions", () => {
  it("order created updates the customer's metrics; sold out tells marketing; event ended computes the summary", async () => {
    const f = await createOnSaleEvent(t, { inventory: 3, price: 2000 });
    for (const quantity of [1, 2]) {
      const order = await t.api.post('/api/orders', {
        event_id: f.eventId,
        customer_id: f.customerId,
        items: [{ ticket_type_id: f.ticketTypeId, quantity }],
      });
      expect(order.status).toBe(201);
    }
    const metrics = await eventually(
      async () => {
        const m = await t.api.get<{ total_orders: number; total_spent_minor: number; avg_order_value_minor: number }>(
          `/api/customers/${f.customerId}/metrics`,
        );
        return m.body.total_orders === 2 && m.body;
      },
      { what: 'customer metrics' },
    );
    expect(metrics).toMatchObject({ total_spent_minor: 6000, avg_order_value_minor: 3000 });

    const notice = await eventually(async () => h.mail.find((m) => m.subject === 'Test concert is sold out'), {
      what: 'sold-out notice',
    });
    expect(notice.to).toEqual(['marketing@tenant.example']);

    expect((await t.api.get(`/api/events/${f.eventId}/summary`)).body.code).toBe('summary_not_ready');
    expect((await t.api.patch(`/api/events/${f.eventId}`, { status: 'ended' })).status).toBe(200);
    const summary = await eventually(
      async () => {
        const s = await t.api.get<{ tickets_sold: number; revenue_minor: number; orders: number }>(
          `/api/events/${f.eventId}/summary`,
        );
        return s.status === 200 && s.body;
      },
      { what: 'event summary' },
    );
    expect(summary).toMatchObject({ tickets_sold: 3, revenue_minor: 6000, orders: 2 });
  });
});
