import { client, type ApiClient, type Harness } from '../helpers/harness';
import { createOnSaleEvent, type TenantFixture } from '../helpers/fixtures';

export interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}
export interface MemberBody {
  id: number;
  ticket_type_id: number;
  email: string | null;
  status: string;
  price_minor: number | null;
  covered_by_leader: boolean;
  paid: boolean;
  ticket_id: number | null;
}
export interface GroupBody {
  id: number;
  size: number;
  status: string;
  order_id: number | null;
  owed_minor: number;
  payment_deadline_at: string | null;
  members: MemberBody[];
}

export interface GroupEvent {
  eventId: number;
  ga: number;
  vip: number;
  leaderId: number;
  leader: ApiClient;
}

/** An on-sale event with a general-admission type (€40) and a VIP type (€100), and a leader with a customer token. */
export async function groupEvent(h: Harness, t: TenantFixture, inventory = 40): Promise<GroupEvent> {
  const e = await createOnSaleEvent(t, { inventory, price: 4000 });
  const vip = await t.api.post<{ id: number }>(`/api/events/${e.eventId}/ticket-types`, {
    name: 'VIP',
    price_minor: 10000,
    currency: 'EUR',
    inventory: 10,
  });
  const token = await t.api.post<{ token: string }>(`/api/customers/${e.customerId}/tokens`, {});
  return {
    eventId: e.eventId,
    ga: e.ticketTypeId,
    vip: vip.body.id,
    leaderId: e.customerId,
    leader: client(h.baseUrl, token.body.token),
  };
}

/** How many seats of a ticket type are counted as sold. */
export async function soldOf(h: Harness, ticketTypeId: number): Promise<number> {
  const [row] = await h.owner('ticket_types').where({ id: ticketTypeId }).select('sold');
  return Number(row.sold);
}

export const roster = (n: number, ticketType: string, prefix = 'm'): string =>
  [
    'name,email,ticket_type',
    ...Array.from({ length: n }, (_, i) => `Member ${i},${prefix}${i}@example.com,${ticketType}`),
  ].join('\n');
