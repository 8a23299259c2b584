import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';

interface OrderBody {
  id: number;
  status: string;
  total_minor: number;
  order_number: string;
  payment: { provider: string; reference: string | null; note?: string };
  tickets: { id: number; code: string; status: string }[];
}

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
});
afterAll(() => h.stop());

describe('placing an order (offline payments)', () => {
  it('reserves seats, records the manual payment, issues tickets and announces order.created', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10, price: 4500 });
    const res = await t.api.post<OrderBody>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('paid');
    expect(res.body.total_minor).toBe(9000);
    expect(res.body.payment.provider).toBe('offline');
    expect(res.body.payment.note).toMatch(/manual payment/);
    expect(res.body.tickets).toHaveLength(2);
    expect(new Set(res.body.tickets.map((x) => x.code)).size).toBe(2);
    for (const ticket of res.body.tickets) expect(ticket.code).toMatch(/^[A-Z2-9]{20}$/);

    const tt = await t.api.get<{ sold: number; available: number }[]>(`/api/events/${f.eventId}/ticket-types`);
    expect((tt.body as unknown as { items: { sold: number; available: number }[] }).items[0]).toMatchObject({
      sold: 2,
      available: 8,
    });
    const outbox = await h
      .owner('outbox')
      .where({ tenant_id: t.tenantId, type: 'order.created', aggregate_id: String(res.body.id) });
    expect(outbox).toHaveLength(1);
    expect(outbox[0].payload.ticket_ids).toEqual(res.body.tickets.map((x) => x.id));
  });

  it("lists an event's orders, each with its items and tickets", async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const placed: number[] = [];
    for (const quantity of [1, 2, 3]) {
      const res = await t.api.post<OrderBody>('/api/orders', {
        event_id: f.eventId,
        customer_id: f.customerId,
        items: [{ ticket_type_id: f.ticketTypeId, quantity }],
      });
      expect(res.status).toBe(201);
      placed.push(res.body.id);
    }
    // Each order's view reads its items and tickets on the request's one connection.
    const list = await t.api.get<{ items: (OrderBody & { items: { quantity: number }[] })[] }>(
      `/api/orders?event_id=${f.eventId}`,
    );
    expect(list.status).toBe(200);
    expect(
      list.body.items.map((o) => [o.id, o.items.map((i) => i.quantity), o.tickets.length]).sort(([a], [b]) => +a - +b),
    ).toEqual(placed.map((id, i) => [id, [i + 1], i + 1]));
  });

  it('sells exactly the last 50 tickets to 200 concurrent buyers', async () => {
    const f = await createOnSaleEvent(t, { inventory: 50, price: 1000 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.api.post<OrderBody>('/api/orders', {
          event_id: f.eventId,
          customer: { email: `buyer${i}@example.com`, name: `Buyer ${i}` },
          items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 409)).toHaveLength(150);
    for (const r of results.filter((x) => x.status === 409))
      expect((r.body as unknown as { code: string }).code).toBe('sold_out');
    const [{ count }] = await h
      .owner('tickets')
      .where({ event_id: f.eventId })
      .count<{ count: string }[]>({ count: '*' });
    expect(Number(count)).toBe(50);
    const tt = await h.owner('ticket_types').where({ id: f.ticketTypeId }).first();
    expect(tt.sold).toBe(50);
    const event = await t.api.get<{ status: string }>(`/api/events/${f.eventId}`);
    expect(event.body.status).toBe('sold_out');
    expect(await h.owner('outbox').where({ type: 'event.sold_out', aggregate_id: String(f.eventId) })).toHaveLength(1);
  });

  it('takes concurrent orders of different ticket types of one event without a deadlock', async () => {
    const f = await createOnSaleEvent(t, { inventory: 40, price: 1000, capacity: 160 });
    const types = [f.ticketTypeId];
    for (const name of ['Balcony', 'Standing', 'VIP']) {
      const tt = await t.api.post<{ id: number }>(`/api/events/${f.eventId}/ticket-types`, {
        name,
        price_minor: 2000,
        currency: 'EUR',
        inventory: 40,
      });
      expect(tt.status).toBe(201);
      types.push(tt.body.id);
    }
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.api.post<OrderBody>('/api/orders', {
          event_id: f.eventId,
          customer: { email: `mixed${i}-${f.eventId}@example.com`, name: `Buyer ${i}` },
          items: [{ ticket_type_id: types[i % types.length], quantity: 1 }],
        }),
      ),
    );
    expect({ statuses: results.map((r) => r.status), errors: h.apiErrors }).toEqual({
      statuses: Array(40).fill(201),
      errors: [],
    });
  });

  it('lets the organiser change inventory in the middle of a sales rush without a deadlock', async () => {
    const f = await createOnSaleEvent(t, { inventory: 100, price: 1000, capacity: 400 });
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        t.api.post<OrderBody>('/api/orders', {
          event_id: f.eventId,
          customer: { email: `rush${i}-${f.eventId}@example.com`, name: `Buyer ${i}` },
          items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
        }),
      ),
      ...Array.from({ length: 6 }, (_, i) =>
        t.api.patch(`/api/ticket-types/${f.ticketTypeId}`, { inventory: 200 + i * 10 }),
      ),
    ]);
    expect({ statuses: results.map((r) => r.status), errors: h.apiErrors }).toEqual({
      statuses: [...Array(30).fill(201), ...Array(6).fill(200)],
      errors: [],
    });
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(30);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses it for another body', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5 });
    const body = {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    };
    const first = await t.api.post<OrderBody>('/api/orders', body, { 'idempotency-key': 'order-abc-1' });
    const again = await t.api.post<OrderBody>('/api/orders', body, { 'idempotency-key': 'order-abc-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.tickets.map((x) => x.code)).toEqual(first.body.tickets.map((x) => x.code));
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(1);
    const other = await t.api.post(
      '/api/orders',
      { ...body, items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }] },
      { 'idempotency-key': 'order-abc-1' },
    );
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('cancelling an order voids its codes and puts the seats back on sale', async () => {
    const f = await createOnSaleEvent(t, { inventory: 1 });
    const order = await t.api.post<OrderBody>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    expect((await t.api.get<{ status: string }>(`/api/events/${f.eventId}`)).body.status).toBe('sold_out');
    const cancelled = await t.api.post<OrderBody>(`/api/orders/${order.body.id}/cancel`, { reason: 'customer asked' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.tickets.every((x) => x.status === 'cancelled')).toBe(true);
    expect((await t.api.get<{ status: string }>(`/api/events/${f.eventId}`)).body.status).toBe('on_sale');
    const again = await t.api.post<OrderBody>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    expect(again.status).toBe(201);
  });

  it('imports an order paid on the tenant platform with its own ticket codes', async () => {
    const f = await createOnSaleEvent(t, { inventory: 5 });
    const res = await t.api.post<OrderBody>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      external_ref: 'shop-1001',
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 2, codes: ['SHOP-AAA-0001', 'SHOP-AAA-0002'] }],
      payment: { provider: 'external', reference: 'shop-payment-77' },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('paid');
    expect(res.body.payment.reference).toBe('shop-payment-77');
    expect(res.body.tickets.map((x) => x.code).sort()).toEqual(['SHOP-AAA-0001', 'SHOP-AAA-0002']);
  });

  it('rejects business-rule violations with clear codes and writes nothing', async () => {
    const f = await createOnSaleEvent(t, { inventory: 3 });
    const base = { event_id: f.eventId, customer_id: f.customerId };
    const tooMany = await t.api.post('/api/orders', {
      ...base,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 4 }],
    });
    expect([tooMany.status, tooMany.body.code]).toEqual([409, 'sold_out']);
    const stranger = await t.api.post('/api/orders', { ...base, items: [{ ticket_type_id: 999999, quantity: 1 }] });
    expect([stranger.status, stranger.body.code]).toEqual([422, 'unknown_ticket_type']);
    const codes = await t.api.post('/api/orders', {
      ...base,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1, codes: ['ABCDEF1'] }],
    });
    expect([codes.status, codes.body.code]).toEqual([422, 'codes_only_for_external']);
    const both = await t.api.post('/api/orders', {
      ...base,
      customer: { email: 'x@example.com', name: 'X' },
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    expect([both.status, both.body.code]).toEqual([400, 'validation_failed']);
    expect(await h.owner('orders').where({ event_id: f.eventId })).toHaveLength(0);
    expect((await h.owner('ticket_types').where({ id: f.ticketTypeId }).first()).sold).toBe(0);
  });
});

describe('customer tokens', () => {
  it('order for their own customer only and see only their own orders and tickets', async () => {
    const f = await createOnSaleEvent(t, { inventory: 10 });
    const other = await t.api.post<{ id: number }>('/api/customers', { email: 'other@example.com', name: 'Other' });
    const tokenRes = await t.api.post<{ token: string }>(`/api/customers/${f.customerId}/tokens`, {});
    expect(tokenRes.status).toBe(201);
    const { client } = await import('../helpers/harness');
    const me = client(h.baseUrl, tokenRes.body.token);

    const mine = await me.post<OrderBody>('/api/orders', {
      event_id: f.eventId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });
    expect(mine.status).toBe(201);
    const theirs = await t.api.post<OrderBody>('/api/orders', {
      event_id: f.eventId,
      customer_id: other.body.id,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    });

    expect((await me.get(`/api/orders/${mine.body.id}`)).status).toBe(200);
    expect((await me.get(`/api/orders/${theirs.body.id}`)).status).toBe(404);
    expect((await me.get(`/api/tickets/${theirs.body.tickets[0].id}`)).status).toBe(404);
    const list = await me.get<{ items: { customer_id: number }[] }>('/api/orders');
    expect(list.body.items.every((o) => o.customer_id === f.customerId)).toBe(true);
    expect((await me.get(`/api/customers/${other.body.id}`)).status).toBe(404);
    expect(
      (
        await me.post('/api/orders', {
          event_id: f.eventId,
          customer_id: other.body.id,
          items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
        })
      ).status,
    ).toBe(422);
    expect((await me.get('/api/keys')).status).toBe(403);
    expect((await me.post(`/api/orders/${mine.body.id}/cancel`, {})).status).toBe(403);
  });
});

describe('stripe payments (against stripe-mock)', () => {
  let s: Harness;
  let st: TenantFixture;
  beforeAll(async () => {
    s = await createHarness({ worker: true, env: { PAYMENT_PROVIDER: 'stripe' } });
    st = await createTenantWithKey(s);
  });
  afterAll(() => s.stop());

  it('creates a payment intent, then issues tickets when the signed webhook says it succeeded', async () => {
    const Stripe = (await import('stripe')).default;
    const f = await createOnSaleEvent(st, { inventory: 5, price: 2500 });
    const res = await st.api.post<OrderBody>('/api/orders', {
      event_id: f.eventId,
      customer_id: f.customerId,
      items: [{ ticket_type_id: f.ticketTypeId, quantity: 2 }],
    });
    expect(res.status).toBe(201);
    expect(res.body.payment.provider).toBe('stripe');
    expect(res.body.payment.reference).toMatch(/^pi_/);
    const order = await s.owner('orders').where({ id: res.body.id }).first();
    expect(order.payment_reference).toBe(res.body.payment.reference);

    const payload = JSON.stringify({
      id: 'evt_test_1',
      object: 'event',
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: res.body.payment.reference,
          object: 'payment_intent',
          metadata: { tenant_id: st.tenantId, order_id: String(res.body.id) },
        },
      },
    });
    const bad = await st.api.request('POST', '/api/payments/stripe/webhook', payload, {
      'content-type': 'application/json',
      'stripe-signature': 't=1,v1=deadbeef',
    });
    expect([bad.status, (bad.body as { code: string }).code]).toEqual([400, 'invalid_signature']);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test_secret' });
    const hook = await st.api.request('POST', '/api/payments/stripe/webhook', payload, {
      'content-type': 'application/json',
      'stripe-signature': signature,
    });
    expect(hook.status).toBe(200);

    const paid = await eventually(
      async () => {
        const r = await st.api.get<OrderBody>(`/api/orders/${res.body.id}`);
        return r.body.status === 'paid' && r.body;
      },
      { what: 'order paid' },
    );
    expect(paid.tickets).toHaveLength(2);
  });
});
