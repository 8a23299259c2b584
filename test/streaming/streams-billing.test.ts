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
