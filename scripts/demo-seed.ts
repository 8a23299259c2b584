import { createDb, withTenant } from '../db/connection';
import { upsertCustomer } from '../db/customers/customers';
import { insertEvent } from '../db/events/events';
import { insertTicketType } from '../db/events/ticket-types';
import { fulfilOrder } from '../db/orders/fulfilment';
import { placeOrder } from '../db/orders/placement';
import { createApiKey } from '../db/tenants/keys';
import { createTenant, getTenant } from '../db/tenants/tenants';
import { upsertModule } from '../db/platform/modules';
import { MODULES } from '../domain/platform/plans';
import { hashApiKey } from '../lib/credentials';

export const DEMO_TENANT_ID = 't_demo';

export interface DemoTenant {
  tenantId: string;
  apiKey: string;
  eventId: number;
}

/**
 * The demo tenant a newcomer plays with: an upcoming on-sale event with two ticket types, three
 * customers and two paid orders. A key from an earlier run is kept while it still works.
 */
export async function seedDemo(ownerUrl: string, previous?: Partial<DemoTenant>): Promise<DemoTenant> {
  const db = createDb(ownerUrl, 2);
  try {
    const existing = await db.transaction((tx) => getTenant(tx, DEMO_TENANT_ID));
    // The demo shows every module, including ones added since its data was first seeded.
    if (existing) for (const module of MODULES) await upsertModule(db, DEMO_TENANT_ID, module, { enabled: true });
    if (existing && previous?.apiKey && previous.eventId) {
      const key = await db('api_keys')
        .where({ key_hash: hashApiKey(previous.apiKey), tenant_id: DEMO_TENANT_ID })
        .whereNull('revoked_at')
        .first();
      if (key) return { tenantId: DEMO_TENANT_ID, apiKey: previous.apiKey, eventId: previous.eventId };
    }
    if (existing) {
      const { key } = await createApiKey(db, DEMO_TENANT_ID, 'demo (re-issued)', ['admin']);
      const event = await db('events').where({ tenant_id: DEMO_TENANT_ID }).orderBy('id').first('id');
      return { tenantId: DEMO_TENANT_ID, apiKey: key, eventId: event.id };
    }

    return await withTenant(db, DEMO_TENANT_ID, async (tx) => {
      await createTenant(tx, { id: DEMO_TENANT_ID, name: 'Demo Promotions' });
      const { key } = await createApiKey(tx, DEMO_TENANT_ID, 'demo', ['admin']);
      for (const module of MODULES) await upsertModule(tx, DEMO_TENANT_ID, module, { enabled: true });
      const startsAt = new Date(Date.now() + 30 * 86_400_000);
      startsAt.setUTCHours(18, 0, 0, 0);
      const event = await insertEvent(tx, DEMO_TENANT_ID, {
        name: 'Usher Demo Night',
        description: 'A sample concert to try every module against.',
        venue_name: 'Tempodrom',
        venue_address: 'Möckernstraße 10, 10963 Berlin',
        venue_latitude: 52.5011,
        venue_longitude: 13.3805,
        timezone: 'Europe/Berlin',
        starts_at: startsAt.toISOString(),
        ends_at: new Date(startsAt.getTime() + 4 * 3_600_000).toISOString(),
        capacity: 500,
        status: 'on_sale',
      });
      const general = await insertTicketType(tx, DEMO_TENANT_ID, event.id, {
        name: 'General admission',
        price_minor: 4500,
        currency: 'EUR',
        inventory: 450,
      });
      const vip = await insertTicketType(tx, DEMO_TENANT_ID, event.id, {
        name: 'VIP',
        price_minor: 12000,
        currency: 'EUR',
        inventory: 50,
      });
      const people = [
        ['ada@example.com', 'Ada Lovelace'],
        ['grace@example.com', 'Grace Hopper'],
        ['alan@example.com', 'Alan Turing'],
      ];
      const customers = [];
      for (const [email, name] of people)
        customers.push((await upsertCustomer(tx, DEMO_TENANT_ID, { email, name })).row);
      const orders: [number, number, number][] = [
        [customers[0].id, general.id, 2],
        [customers[1].id, vip.id, 1],
      ];
      for (const [customerId, ticketTypeId, quantity] of orders) {
        const { order } = await placeOrder(tx, DEMO_TENANT_ID, {
          eventId: event.id,
          customerId,
          provider: 'external',
          lines: [{ ticketTypeId, quantity }],
        });
        await fulfilOrder(tx, DEMO_TENANT_ID, order.id, `demo-payment-${order.id}`);
      }
      return { tenantId: DEMO_TENANT_ID, apiKey: key, eventId: event.id };
    });
  } finally {
    await db.destroy();
  }
}
