import { createOnSaleEvent, type EventFixture, type TenantFixture } from './fixtures';
import { client, type ApiClient, type Harness } from './harness';

export interface Entry {
  id: number;
  status: string;
  position: number | null;
  waiting: number;
  expires_at: string | null;
  customer_id: number;
}

/** An event whose only `inventory` tickets were all bought by the fixture customer: its waitlist opened itself. */
export async function soldOutEvent(
  t: TenantFixture,
  inventory = 1,
  price = 4500,
): Promise<EventFixture & { orderId: number; ticketIds: number[] }> {
  const f = await createOnSaleEvent(t, { inventory, price });
  const order = await t.api.post<{ id: number; status: string; tickets: { id: number }[] }>('/api/orders', {
    event_id: f.eventId,
    customer_id: f.customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: inventory }],
  });
  if (order.status !== 201 || order.body.status !== 'paid')
    throw new Error(`order: ${order.status} ${JSON.stringify(order.body)}`);
  return { ...f, orderId: order.body.id, ticketIds: order.body.tickets.map((x) => x.id) };
}

let seq = 0;
/** A new customer with a customer token, so calls are made as the attendee would make them. */
export async function newCustomer(
  h: Harness,
  t: TenantFixture,
  label = 'fan',
): Promise<{ id: number; email: string; api: ApiClient }> {
  const email = `${label}-${Date.now()}-${++seq}@example.com`;
  const c = await t.api.post<{ id: number }>('/api/customers', { email, name: label });
  const token = await t.api.post<{ token: string }>(`/api/customers/${c.body.id}/tokens`, {});
  return { id: c.body.id, email, api: client(h.baseUrl, token.body.token) };
}

export async function join(api: ApiClient, f: EventFixture, extra: Record<string, unknown> = {}): Promise<Entry> {
  const res = await api.post<Entry>('/api/waitlist/join', {
    event_id: f.eventId,
    ticket_type_id: f.ticketTypeId,
    ...extra,
  });
  if (res.status !== 201) throw new Error(`join: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function setWaitlistSettings(t: TenantFixture, settings: Record<string, unknown>): Promise<void> {
  const res = await t.api.put('/api/modules/waitlist', { settings });
  if (res.status !== 200) throw new Error(`settings: ${res.status} ${JSON.stringify(res.body)}`);
}
