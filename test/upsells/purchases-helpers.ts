import { createProduct as createCatalogProduct } from './catalog-fixtures';
import { client, type ApiClient, type Harness } from '../helpers/harness';
import type { EventFixture, TenantFixture } from '../helpers/fixtures';

export interface OrderView {
  id: number;
  status: string;
  total_minor: number;
  tickets: { id: number; code: string; ticket_type_id: number; status: string }[];
  upsells: {
    id: number;
    product_id: number;
    kind: string;
    quantity: number;
    variant: string | null;
    status: string;
    payment_id: number | null;
    vouchers: { code: string; status: string; product_id: number }[];
  }[];
  upsell_payments: { id: number; amount_minor: number; status: string; reference: string | null }[];
  code?: string;
}

/**
 * An upsell product of the tenant through the catalogue API (a €15 parking add-on for the event of
 * `f` unless told otherwise); dates may be given as Dates.
 */
export async function createProduct(
  t: TenantFixture,
  f: EventFixture,
  fields: Record<string, unknown> = {},
): Promise<{ id: number }> {
  const body = Object.fromEntries(
    Object.entries<unknown>({ name: 'Parking spot', price_minor: 1500, event_id: f.eventId, ...fields }).map(
      ([k, v]) => [k, v instanceof Date ? v.toISOString() : v],
    ),
  );
  return createCatalogProduct(t, body);
}

/** Places an order of one ticket with add-on lines, as the tenant. */
export const orderWith = (
  t: TenantFixture,
  f: EventFixture,
  upsells: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
) =>
  t.api.post<OrderView>('/api/orders', {
    event_id: f.eventId,
    customer_id: f.customerId,
    items: [{ ticket_type_id: f.ticketTypeId, quantity: 1 }],
    ...(upsells.length ? { upsells } : {}),
    ...extra,
  });

export async function productCounters(h: Harness, id: number): Promise<{ reserved: number; sold: number }> {
  return h.owner('upsell_products').where({ id }).first('reserved', 'sold');
}

/** A client acting with the customer's own token, as the tenant's app would. */
export async function customerClient(h: Harness, t: TenantFixture, customerId: number): Promise<ApiClient> {
  const res = await t.api.post<{ token: string }>(`/api/customers/${customerId}/tokens`, {});
  if (res.status !== 201) throw new Error(`token: ${res.status}`);
  return client(h.baseUrl, res.body.token);
}
