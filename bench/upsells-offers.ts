/**
 * `offers_p95_ms` of `npm run bench:upsells`: a tenant with `OFFERS_PRODUCTS` products (default 500)
 * and `OFFERS_RULES` rules (default 200: always, ticket_type, cart_value and customer_segment) on
 * one event; `OFFERS_CALLS` (default 500) calls of `GET /api/upsells/offers` one after another, with
 * varying carts and a customer in segments, each recording its impressions. Target p95 ≤ 20 ms.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../api/app';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { runBench, withBenchStack } from './stack';

const PRODUCTS = Number(process.env.OFFERS_PRODUCTS ?? 500);
const RULES = Number(process.env.OFFERS_RULES ?? 200);
const CALLS = Number(process.env.OFFERS_CALLS ?? 500);
const TICKET_TYPES = 10;

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  await withBenchStack({ name: 'upsells-offers', temporal: true }, async (stack) => {
    if (!stack.temporal) throw new Error('the bench needs Temporal');
    const api = await createApp({ ...stack, temporal: stack.temporal, payments: new OfflinePaymentProvider() });
    const server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const tenant = await createTenant(stack.owner, { name: 'Offers bench' });
      for (const m of ['upsells', 'crm'] as const) await upsertModule(stack.owner, tenant.id, m, { enabled: true });
      const { key } = await createApiKey(stack.owner, tenant.id, 'bench', ['admin']);
      const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const res = await fetch(base + path, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
        return (await res.json()) as T;
      };
      const starts = new Date(Date.now() + 30 * 86_400_000);
      const event = await call<{ id: number }>('POST', '/api/events', {
        name: 'Offers bench',
        venue: { name: 'Hall', address: '1 Main St' },
        timezone: 'Europe/Berlin',
        starts_at: starts.toISOString(),
        ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
        capacity: TICKET_TYPES * 100,
        status: 'on_sale',
      });
      const types: number[] = [];
      for (let i = 0; i < TICKET_TYPES; i++)
        types.push(
          (
            await call<{ id: number }>('POST', `/api/events/${event.id}/ticket-types`, {
              name: `Type ${i}`,
              price_minor: 2000 + i * 1000,
              currency: 'EUR',
              inventory: 100,
            })
          ).id,
        );
      const customer = await call<{ id: number }>('POST', '/api/customers', { email: 'fan@example.com', name: 'Fan' });
      const segments: number[] = [];
      for (let i = 0; i < 5; i++)
        segments.push(
          (
            await call<{ id: number }>('POST', '/api/crm/segments', {
              name: `Segment ${i}`,
              rules: { conditions: [{ field: 'total_orders', operator: '>=', value: 0 }] },
              is_dynamic: false,
            })
          ).id,
        );
      // The catalogue is seeded directly: the bench measures offers, not product creation.
      const products: { id: number }[] = await stack
        .owner('upsell_products')
        .insert(
          Array.from({ length: PRODUCTS }, (_, i) => ({
            tenant_id: tenant.id,
            event_id: i % 5 === 0 ? null : event.id,
            name: `Product ${i}`,
            type: 'addon',
            price_minor: 500 + (i % 20) * 100,
            currency: 'EUR',
            inventory: i % 3 === 0 ? null : 1000,
            display_in: ['cart', 'checkout', 'confirmation', 'all'][i % 4],
          })),
        )
        .returning('id');
      const KINDS = ['always', 'ticket_type', 'cart_value', 'customer_segment'] as const;
      await stack.owner('upsell_rules').insert(
        Array.from({ length: RULES }, (_, i) => {
          const kind = KINDS[i % KINDS.length];
          return {
            tenant_id: tenant.id,
            product_id: products[(i * 7) % products.length].id,
            rule_type: kind,
            priority: i % 50,
            conditions: JSON.stringify(
              kind === 'ticket_type'
                ? { ticket_type_ids: [types[i % TICKET_TYPES]] }
                : kind === 'cart_value'
                  ? { min_cart_minor: (i % 10) * 2000 }
                  : kind === 'customer_segment'
                    ? { segment_ids: [segments[i % segments.length]] }
                    : {},
            ),
          };
        }),
      );
      const LOCATIONS = ['cart', 'checkout', 'confirmation'];
      const url = (i: number) =>
        `/api/upsells/offers?location=${LOCATIONS[i % 3]}&event_id=${event.id}` +
        `&cart=${types[i % TICKET_TYPES]}:${1 + (i % 4)}${i % 2 ? `&customer_id=${customer.id}` : ''}`;
      for (let i = 0; i < 20; i++) await call('GET', url(i)); // warm-up
      const times: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const t0 = performance.now();
        await call('GET', url(i));
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const round = (n: number) => Math.round(n * 10) / 10;
      console.log(
        JSON.stringify({
          products: PRODUCTS,
          rules: RULES,
          calls: CALLS,
          offers_p95_ms: round(quantile(times, 0.95)),
          p50_ms: round(quantile(times, 0.5)),
          max_ms: round(times[times.length - 1]),
        }),
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}

runBench(main);
