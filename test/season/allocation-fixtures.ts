import type { TenantFixture } from '../helpers/fixtures';
import type { Harness } from '../helpers/harness';

export interface AllocationView {
  id: number;
  subscription_id: number;
  customer_id: number;
  event_id: number;
  ticket_type_id: number;
  kind: string;
  status: string;
  section: string | null;
  row: string | null;
  seat: string | null;
  ticket_id: number | null;
  order_id: number | null;
  warned_at: string | null;
  release_reason: string | null;
  resold_order_id: number | null;
  credit_entry_id: number | null;
}

const DAY = 86_400_000;

/** A season package stored directly (the packages part has its own tests): a season window from yesterday to a year out. */
export async function seasonPackage(
  h: Harness,
  t: TenantFixture,
  opts: { type?: string; seriesTag?: string; benefits?: Record<string, unknown>; flexCredits?: number } = {},
): Promise<number> {
  const type = opts.type ?? 'full';
  const [row] = (await h
    .owner('season_packages')
    .insert({
      tenant_id: t.tenantId,
      name: `Season ${type}`,
      type,
      price_minor: 30_000,
      currency: 'EUR',
      billing_cycle: 'annual',
      flex_credits: type === 'flex' ? (opts.flexCredits ?? 1) : null,
      benefits: JSON.stringify(opts.benefits ?? {}),
      series_tag: opts.seriesTag ?? null,
      season_starts_at: new Date(Date.now() - DAY),
      season_ends_at: new Date(Date.now() + 365 * DAY),
    })
    .returning('id')) as { id: number }[];
  return row.id;
}

/** An active subscription of the package for the customer. */
export async function subscribe(
  h: Harness,
  t: TenantFixture,
  packageId: number,
  customerId: number,
  flexCredits?: number,
): Promise<number> {
  const [row] = (await h
    .owner('season_subscriptions')
    .insert({
      tenant_id: t.tenantId,
      package_id: packageId,
      customer_id: customerId,
      status: 'active',
      flex_credits_remaining: flexCredits ?? null,
      price_minor: 30_000,
      currency: 'EUR',
      starts_at: new Date(Date.now() - DAY),
      ends_at: new Date(Date.now() + 365 * DAY),
      payment_provider: 'offline',
    })
    .returning('id')) as { id: number }[];
  return row.id;
}

export async function newCustomerId(t: TenantFixture, label = 'member'): Promise<number> {
  const c = await t.api.post<{ id: number }>('/api/customers', {
    email: `${label}-${Date.now()}-${Math.random()}@example.com`,
    name: label,
  });
  return c.body.id;
}

/** An event of the series with one ticket type (created through the API, as a tenant would). */
export async function seriesEvent(
  t: TenantFixture,
  opts: {
    tags?: string[];
    inventory?: number;
    price?: number;
    startsInMs?: number;
    salesStartAt?: string;
    typeName?: string;
  } = {},
): Promise<{ eventId: number; ticketTypeId: number }> {
  const starts = new Date(Date.now() + (opts.startsInMs ?? 30 * DAY));
  const event = await t.api.post<{ id: number }>('/api/events', {
    name: 'Season match',
    venue: { name: 'Arena', address: '1 Main St' },
    timezone: 'Europe/Berlin',
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
    capacity: 1000,
    status: 'on_sale',
    tags: opts.tags ?? ['season-26'],
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  const tt = await t.api.post<{ id: number }>(`/api/events/${event.body.id}/ticket-types`, {
    name: opts.typeName ?? 'Stalls',
    price_minor: opts.price ?? 4500,
    currency: 'EUR',
    inventory: opts.inventory ?? 10,
    ...(opts.salesStartAt ? { sales_start_at: opts.salesStartAt } : {}),
  });
  if (tt.status !== 201) throw new Error(`ticket type: ${tt.status} ${JSON.stringify(tt.body)}`);
  return { eventId: event.body.id, ticketTypeId: tt.body.id };
}

export async function allocationsOf(
  t: TenantFixture,
  query: { event_id?: number; subscription_id?: number },
): Promise<AllocationView[]> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const res = await t.api.get<{ items: AllocationView[] }>(`/api/season/allocations?${qs}`);
  if (res.status !== 200) throw new Error(`allocations: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items;
}

export async function soldOf(h: Harness, ticketTypeId: number): Promise<number> {
  const row = (await h.owner('ticket_types').where({ id: ticketTypeId }).first('sold')) as { sold: number };
  return row.sold;
}
