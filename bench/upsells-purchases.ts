/**
 * `addon_orders_per_s` and `oversold` of `npm run bench:upsells`: `ADDON_CLIENTS` concurrent clients
 * (default 32) place orders of one ticket plus add-ons through `POST /api/orders` for
 * `ADDON_SECONDS` (default 20): a parking spot from a stock of `ADDON_PARKING` (default 100, fewer
 * than the buyers want, so the last units are fought over; a client told it is gone buys without it)
 * and a sized T-shirt of unlimited stock.
 * Each order is paid (offline provider) and fulfilled by its workflow before it answers. `oversold`
 * counts parking units paid beyond the stock, and must be 0. Prints one JSON line.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../api/app';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { runBench, withBenchStack } from './stack';

const CLIENTS = Number(process.env.ADDON_CLIENTS ?? 32);
const SECONDS = Number(process.env.ADDON_SECONDS ?? 20);
const PARKING = Number(process.env.ADDON_PARKING ?? 100);

async function main(): Promise<void> {
  await withBenchStack({ name: 'upsells-purchases', temporal: true, worker: true, pool: 20 }, async (stack) => {
    if (!stack.temporal) throw new Error('the bench needs Temporal');
    const api = await createApp({ ...stack, temporal: stack.temporal, payments: new OfflinePaymentProvider() });
    const server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const tenant = await createTenant(stack.owner, { name: 'Add-on bench' });
      await upsertModule(stack.owner, tenant.id, 'upsells', { enabled: true });
      const { key } = await createApiKey(stack.owner, tenant.id, 'bench', ['admin']);
      const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
        const res = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as T };
      };
      const created = async (method: string, path: string, body: unknown): Promise<number> => {
        const res = await call<{ id: number }>(method, path, body);
        if (res.status !== 201) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body.id;
      };
      const starts = new Date(Date.now() + 30 * 86_400_000);
      const eventId = await created('POST', '/api/events', {
        name: 'Add-on bench',
        venue: { name: 'Hall', address: '1 Main St' },
        timezone: 'Europe/Berlin',
        starts_at: starts.toISOString(),
        ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
        capacity: 1_000_000,
        status: 'on_sale',
      });
      const ticketTypeId = await created('POST', `/api/events/${eventId}/ticket-types`, {
        name: 'General admission',
        price_minor: 4500,
        currency: 'EUR',
        inventory: 1_000_000,
      });
      const parking = await created('POST', '/api/upsells/products', {
        type: 'addon',
        event_id: eventId,
        name: 'Parking',
        price_minor: 1500,
        currency: 'EUR',
        inventory: PARKING,
        requires_redemption: true,
      });
      const shirt = await created('POST', '/api/upsells/products', {
        type: 'addon',
        event_id: eventId,
        name: 'T-shirt',
        price_minor: 2500,
        currency: 'EUR',
        variants: [
          { key: 'M', label: 'Medium' },
          { key: 'L', label: 'Large' },
        ],
      });
      const customers: number[] = [];
      for (let i = 0; i < CLIENTS; i++)
        customers.push(
          await created('POST', '/api/customers', { email: `buyer-${i}@example.com`, name: `Buyer ${i}` }),
        );

      const counts = { placed: 0, sold_out: 0, failed: 0 };
      const statuses: Record<string, number> = {};
      const startedAt = Date.now();
      const until = startedAt + SECONDS * 1000;
      await Promise.all(
        customers.map(async (customerId, c) => {
          // Once parking is gone for a client, it keeps buying the T-shirt alone.
          let parkingLeft = true;
          for (let i = 0; Date.now() < until; i++) {
            const res = await call<{ code?: string }>('POST', '/api/orders', {
              event_id: eventId,
              customer_id: customerId,
              items: [{ ticket_type_id: ticketTypeId, quantity: 1 }],
              upsells: [
                ...(parkingLeft ? [{ product_id: parking, quantity: 1 }] : []),
                { product_id: shirt, quantity: 1, variant: (c + i) % 2 ? 'M' : 'L' },
              ],
            });
            statuses[res.status] = (statuses[res.status] ?? 0) + 1;
            if (res.status === 201) counts.placed++;
            else if (res.status === 409 && res.body.code === 'upsell_sold_out') {
              counts.sold_out++;
              parkingLeft = false;
            } else counts.failed++;
          }
        }),
      );
      const elapsedS = (Date.now() - startedAt) / 1000;
      const [{ paid }] = (await stack
        .owner('upsell_order_lines')
        .where({ product_id: parking })
        .whereIn('status', ['pending', 'paid'])
        .select(stack.owner.raw('coalesce(sum(quantity), 0)::int as paid'))) as { paid: number }[];
      const product = (await stack.owner('upsell_products').where({ id: parking }).first('sold', 'reserved')) as {
        sold: number;
        reserved: number;
      };
      console.log(
        JSON.stringify({
          bench: 'upsells-purchases',
          clients: CLIENTS,
          seconds: Math.round(elapsedS * 10) / 10,
          parking_stock: PARKING,
          addon_orders: counts.placed,
          addon_orders_per_s: Math.round((counts.placed / elapsedS) * 10) / 10,
          sold_out_answers: counts.sold_out,
          other_answers: counts.failed,
          statuses,
          parking_sold: product.sold,
          oversold: Math.max(0, paid - PARKING, product.sold + product.reserved - PARKING),
        }),
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}

runBench(main);
