import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey } from '../helpers/fixtures';
import { streamingEvent } from './streams-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: true });
});
afterAll(() => h.stop());

interface Bill {
  lines: { code: string; quantity: number; amount_minor: number }[];
}

it('meters 10% of virtual ticket revenue into the monthly bill next to the €50 base', async () => {
  const t = await createTenantWithKey(h, 'Streaming billed tenant', ['admin'], ['streaming']);
  const ev = await streamingEvent(t);
  const customer = await t.api.post<{ id: number }>('/api/customers', { email: 'virtual@example.com', name: 'Fan' });
  const order = await t.api.post('/api/orders', {
    event_id: ev.eventId,
    customer_id: customer.body.id,
    items: [
      { ticket_type_id: ev.standardTypeId, quantity: 2 },
      { ticket_type_id: ev.inPersonTypeId, quantity: 1 },
      { ticket_type_id: ev.premiumTypeId, quantity: 1 },
    ],
  });
  expect(order.status).toBe(201);
  const month = new Date().toISOString().slice(0, 7);
  // Two virtual tickets at €20: €4 of share; the in-person and hybrid tickets are not shared.
  const bill = await eventually(
    async () => {
      const res = await t.api.get<Bill>(`/api/billing/usage?month=${month}`);
      return res.body.lines.some((l) => l.code === 'streaming.revenue_share') && res.body;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'the revenue share on the bill' },
  );
  expect(bill.lines).toContainEqual(
    expect.objectContaining({ code: 'streaming.revenue_share', quantity: 2, amount_minor: 400 }),
  );
  expect(bill.lines).toContainEqual(expect.objectContaining({ amount_minor: 5000 }));
});

it("counts a viewer's virtual merchandise bought through upsells into the revenue share, and nothing else", async () => {
  const t = await createTenantWithKey(h, 'Streaming merchandise tenant', ['admin'], ['streaming', 'upsells']);
  const ev = await streamingEvent(t);
  const product = async (name: string, price: number, displayIn: string) =>
    Number(
      (
        await h
          .owner('upsell_products')
          .insert({
            tenant_id: t.tenantId,
            event_id: ev.eventId,
            name,
            type: 'addon',
            price_minor: price,
            currency: 'EUR',
            display_in: displayIn,
          })
          .returning('id')
      )[0].id,
    );
  const shirt = await product('Tour T-shirt', 2500, 'all');
  const parking = await product('Parking', 1000, 'checkout');
  const buy = async (ticketTypeId: number, email: string) => {
    const customer = await t.api.post<{ id: number }>('/api/customers', { email, name: 'Fan' });
    const order = await t.api.post<{ id: number }>('/api/orders', {
      event_id: ev.eventId,
      customer_id: customer.body.id,
      items: [{ ticket_type_id: ticketTypeId, quantity: 1 }],
      upsells: [
        { product_id: shirt, quantity: 2 },
        { product_id: parking, quantity: 1 },
      ],
    });
    expect(order.status).toBe(201);
    return order.body.id;
  };
  const viewerOrder = await buy(ev.standardTypeId, 'merch-viewer@example.com');
  await buy(ev.inPersonTypeId, 'merch-venue@example.com');

  const shares = () => h.owner('usage_records').where({ tenant_id: t.tenantId, meter: 'streaming.revenue_share' });
  // The viewer's ticket (€20 → €2) and two shirts (€50 → €5); the parking (not in the player) and the in-person
  // buyer's shirts are not shared.
  const rows = await eventually(async () => ((await shares()).length >= 2 ? await shares() : false), {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: 'the ticket and merchandise shares',
  });
  expect(rows.map((r: { amount_minor: number; quantity: number }) => [r.quantity, r.amount_minor]).sort()).toEqual([
    [1, 200],
    [2, 500],
  ]);
  expect(rows.find((r: { metadata: { order_id?: number } }) => r.metadata.order_id)?.metadata.order_id).toBe(
    viewerOrder,
  );
  // Give every trigger of both orders time to run: still the same two records.
  await new Promise((r) => setTimeout(r, 3000));
  expect(await shares()).toHaveLength(2);
});
