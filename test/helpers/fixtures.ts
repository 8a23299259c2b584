import { createApiKey } from '../../db/tenants/keys';
import { createTenant } from '../../db/tenants/tenants';
import { upsertModule } from '../../db/platform/modules';
import { MODULES, type ModuleName } from '../../domain/platform/plans';
import type { Scope } from '../../lib/credentials';
import { client, type ApiClient, type Harness } from './harness';

export interface TenantFixture {
  tenantId: string;
  key: string;
  api: ApiClient;
}

/** A tenant with an API key, subscribed to every module unless told otherwise. */
export async function createTenantWithKey(
  h: Harness,
  name = 'Test tenant',
  scopes: Scope[] = ['admin'],
  modules: readonly ModuleName[] = MODULES,
): Promise<TenantFixture> {
  const tenant = await createTenant(h.owner, { name });
  for (const module of modules) await upsertModule(h.owner, tenant.id, module, { enabled: true });
  const { key } = await createApiKey(h.owner, tenant.id, 'test', scopes);
  return { tenantId: tenant.id, key, api: client(h.baseUrl, key) };
}

export interface EventFixture {
  eventId: number;
  ticketTypeId: number;
  customerId: number;
}

/** An on-sale event a week out with one ticket type, and one customer. */
export async function createOnSaleEvent(
  t: TenantFixture,
  opts: { inventory?: number; price?: number; capacity?: number } = {},
): Promise<EventFixture> {
  const starts = new Date(Date.now() + 7 * 86_400_000);
  const event = await t.api.post<{ id: number }>('/api/events', {
    name: 'Test concert',
    venue: { name: 'Hall', address: '1 Main St' },
    timezone: 'Europe/Berlin',
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
    capacity: opts.capacity ?? Math.max(opts.inventory ?? 100, 100),
    status: 'on_sale',
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  const tt = await t.api.post<{ id: number }>(`/api/events/${event.body.id}/ticket-types`, {
    name: 'General admission',
    price_minor: opts.price ?? 4500,
    currency: 'EUR',
    inventory: opts.inventory ?? 100,
  });
  if (tt.status !== 201) throw new Error(`ticket type: ${tt.status} ${JSON.stringify(tt.body)}`);
  const customer = await t.api.post<{ id: number }>('/api/customers', {
    email: `fan-${Date.now()}-${Math.random()}@example.com`,
    name: 'Fan',
  });
  return { eventId: event.body.id, ticketTypeId: tt.body.id, customerId: customer.body.id };
}
