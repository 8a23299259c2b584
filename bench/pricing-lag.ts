/**
 * `price_change_lag_ms` of `npm run bench:pricing`: `LAG_TYPES` ticket types (default 20), each with
 * an early-bird time rule whose tiers end a few seconds apart, staggered per ticket type; the events
 * API (`GET /api/events/{id}/ticket-types`, what buyers are served) is polled every 10 ms, and each
 * sample is the time from a tier boundary to the first answer showing the new price. The rules go
 * through the API, so the outbox trigger, the repricer workflows and their timers are all on the
 * path. Prints one JSON line with p50, p99 and max.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../api/app';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { runBench, withBenchStack } from './stack';

const TYPES = Number(process.env.LAG_TYPES ?? 20);
const TIER_GAP_MS = 3000;
const STAGGER_MS = 137;
const PRICES = [50, 65, 80, 95];

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  await withBenchStack({ name: 'pricing-lag', temporal: true, worker: true }, async (stack) => {
    if (!stack.temporal) throw new Error('the bench needs Temporal');
    const api = await createApp({ ...stack, temporal: stack.temporal, payments: new OfflinePaymentProvider() });
    const server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const tenant = await createTenant(stack.owner, { name: 'Lag bench' });
      await upsertModule(stack.owner, tenant.id, 'pricing', { enabled: true });
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
        name: 'Lag bench',
        venue: { name: 'Hall', address: '1 Main St' },
        timezone: 'Europe/Berlin',
        starts_at: starts.toISOString(),
        ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
        capacity: TYPES * 100,
        status: 'on_sale',
      });
      const types: number[] = [];
      for (let i = 0; i < TYPES; i++)
        types.push(
          (
            await call<{ id: number }>('POST', `/api/events/${event.id}/ticket-types`, {
              name: `Type ${i}`,
              price_minor: 4500,
              currency: 'EUR',
              inventory: 100,
            })
          ).id,
        );
      // Boundaries well after every rule is in place and its repricer has set the first tier.
      const first = Date.now() + 5000 + TYPES * 100;
      const boundaries = types.map((_, i) => [1, 2, 3].map((k) => first + i * STAGGER_MS + (k - 1) * TIER_GAP_MS));
      for (const [i, id] of types.entries())
        await call('POST', '/api/pricing/rules', {
          ticket_type_id: id,
          strategy: 'time',
          rules: {
            tiers: [
              ...boundaries[i].map((b, k) => ({
                until: new Date(b).toISOString(),
                price: PRICES[k],
                label: `Tier ${k}`,
              })),
              { until: 'event', price: PRICES[3], label: 'Door' },
            ],
          },
        });
      const seen = types.map(() => [0, 0, 0]);
      const deadline = boundaries[TYPES - 1][2] + 30_000;
      while (seen.some((s) => s.includes(0)) && Date.now() < deadline) {
        const asked = Date.now();
        const list = await call<{ items: { id: number; price_minor: number }[] }>(
          'GET',
          `/api/events/${event.id}/ticket-types`,
        );
        for (const [i, id] of types.entries()) {
          const price = list.items.find((t) => t.id === id)?.price_minor;
          for (let k = 0; k < 3; k++)
            if (!seen[i][k] && price !== undefined && price >= PRICES[k + 1] * 100) seen[i][k] = asked;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      const missed = seen.flat().filter((s) => !s).length;
      const lags = seen
        .flatMap((s, i) => s.flatMap((at, k) => (at ? [at - boundaries[i][k]] : [])))
        .sort((a, b) => a - b);
      console.log(
        JSON.stringify({
          bench: 'pricing-lag',
          ticket_types: TYPES,
          samples: lags.length,
          missed,
          price_change_lag_ms: Math.max(0, quantile(lags, 0.99)),
          p50_ms: Math.max(0, quantile(lags, 0.5)),
          max_ms: lags[lags.length - 1],
        }),
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}

runBench(main);
