import { localDayNumber, startOfLocalDay } from '../../domain/refunds/calendar';
import type { TenantFixture } from './fixtures';

/** The design proposal's example policy, verbatim. */
export const PROPOSAL_POLICY = {
  windows: [
    { until_days_before: 30, refund_percentage: 100, exchange_allowed: true, transfer_allowed: true },
    { until_days_before: 7, refund_percentage: 50, exchange_allowed: true, transfer_allowed: true },
    { until_days_before: 1, refund_percentage: 0, exchange_allowed: true, transfer_allowed: false },
  ],
  processing_fee: 5.0,
  allow_credit_conversion: true,
};

export interface RefundFixture {
  eventId: number;
  ticketTypeId: number;
  customerId: number;
  orderId: number;
  tickets: { id: number; code: string; status: string }[];
}

/**
 * An on-sale event `daysOut` Berlin calendar days ahead (at noon there)
 * with the proposal's policy (or `policy`), a ticket type at `price` minor units, and a customer.
 */
export async function eventWithPolicy(
  t: TenantFixture,
  opts: { daysOut: number; price?: number; inventory?: number; policy?: unknown },
): Promise<Omit<RefundFixture, 'orderId' | 'tickets'>> {
  const today = localDayNumber(new Date(), 'Europe/Berlin');
  const starts = new Date(startOfLocalDay(today + opts.daysOut, 'Europe/Berlin').getTime() + 12 * 3_600_000);
  const event = await t.api.post<{ id: number }>('/api/events', {
    name: 'Refundable concert',
    venue: { name: 'Hall', address: '1 Main St' },
    timezone: 'Europe/Berlin',
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
    capacity: 100,
    status: 'on_sale',
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  const tt = await t.api.post<{ id: number }>(`/api/events/${event.body.id}/ticket-types`, {
    name: 'GA',
    price_minor: opts.price ?? 4500,
    currency: 'EUR',
    inventory: opts.inventory ?? 10,
  });
  const policy = await t.api.put(`/api/events/${event.body.id}/refund-policy`, {
    rules: opts.policy ?? PROPOSAL_POLICY,
  });
  if (policy.status !== 200) throw new Error(`policy: ${policy.status} ${JSON.stringify(policy.body)}`);
  const customer = await t.api.post<{ id: number }>('/api/customers', {
    email: `fan-${Date.now()}-${Math.random()}@example.com`,
    name: 'Fan',
  });
  return { eventId: event.body.id, ticketTypeId: tt.body.id, customerId: customer.body.id };
}

/** The same, with a paid order (offline payments) of `quantity` tickets. */
export async function paidOrderForEvent(
  t: TenantFixture,
  opts: { daysOut: number; quantity?: number; price?: number; inventory?: number; policy?: unknown },
): Promise<RefundFixture> {
  const f = await eventWithPolicy(t, opts);
  const order = await t.api.post<{
    id: number;
    status: string;
    tickets: { id: number; code: string; status: string }[];
  }>('/api/orders', {
    event_id: f.eventId,
    customer_id: f.customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: opts.quantity ?? 2 }],
  });
  if (order.status !== 201) throw new Error(`order: ${order.status} ${JSON.stringify(order.body)}`);
  return { ...f, orderId: order.body.id, tickets: order.body.tickets };
}
