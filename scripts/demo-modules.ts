/**
 * The demo's dynamic pricing and season tickets, set up through the API once it is ready, as a
 * tenant system would: the rules start their repricing workflows and the subscriptions their
 * allocations and renewal workflows, like any other tenant's. Running it again changes nothing.
 */
import { createHash } from 'node:crypto';

const DAY = 86_400_000;
const digest = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 32);

interface Page<T> {
  items: T[];
}
interface TicketType {
  id: number;
  name: string;
  price_minor: number;
}

export async function seedDemoModules(apiUrl: string, apiKey: string, eventId: number): Promise<void> {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        // A rerun after a crash between request and answer repeats the same request, not a new one.
        ...(method === 'POST' ? { 'idempotency-key': `demo-${digest(`${path} ${JSON.stringify(body)}`)}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const types = (await call<Page<TicketType>>('GET', `/api/events/${eventId}/ticket-types`)).items;
  const general = types.find((t) => t.name !== 'VIP');
  const vip = types.find((t) => t.name === 'VIP');

  if (!(await call<Page<unknown>>('GET', `/api/pricing/rules?event_id=${eventId}`)).items.length) {
    const now = Date.now();
    // The proposal's early-bird tiers, a week apart from today, ending at the door price.
    if (general)
      await call('POST', '/api/pricing/rules', {
        ticket_type_id: general.id,
        strategy: 'time',
        priority: 10,
        rules: {
          tiers: [
            { until: new Date(now + 7 * DAY).toISOString(), price: 45, label: 'Early Bird' },
            { until: new Date(now + 14 * DAY).toISOString(), price: 55, label: 'Regular' },
            { until: 'event', price: 65, label: 'Door Price' },
          ],
        },
      });
    // The proposal's demand example, on the VIP tickets.
    if (vip)
      await call('POST', '/api/pricing/rules', {
        ticket_type_id: vip.id,
        strategy: 'demand',
        priority: 10,
        rules: {
          base_price: 120,
          min_price: 100,
          max_price: 200,
          rules: [
            { condition: 'sales_velocity > 50/hour', action: 'increase', amount: 5 },
            { condition: 'sales_velocity < 5/hour', action: 'decrease', amount: 3 },
            { condition: 'inventory < 10%', action: 'set', amount: 95 },
          ],
        },
      });
  }

  if (!(await call<Page<unknown>>('GET', '/api/season/packages')).items.length) {
    await call('PATCH', `/api/events/${eventId}`, { tags: ['demo-season'] });
    const seasonStart = new Date(Date.now() - 30 * DAY).toISOString();
    const seasonEnd = new Date(Date.now() + 335 * DAY).toISOString();
    const full = await call<{ id: number }>('POST', '/api/season/packages', {
      name: 'Demo season pass',
      description: 'Every event tagged demo-season, with a 48-hour presale and 10% off extra tickets',
      type: 'full',
      price_minor: 39900,
      currency: 'EUR',
      billing_cycle: 'annual',
      series_tag: 'demo-season',
      season_starts_at: seasonStart,
      season_ends_at: seasonEnd,
      benefits: { presale_hours: 48, discount_percent: 10, free_exchanges: 2, priority_seating: true },
    });
    await call('POST', '/api/season/packages', {
      name: 'Flex 5',
      description: 'Five tickets to any demo-season event',
      type: 'flex',
      price_minor: 19900,
      currency: 'EUR',
      billing_cycle: 'one-time',
      flex_credits: 5,
      series_tag: 'demo-season',
      season_starts_at: seasonStart,
      season_ends_at: seasonEnd,
    });
    const customers = (await call<Page<{ id: number }>>('GET', '/api/customers?limit=3')).items;
    for (const c of customers)
      await call('POST', '/api/season/subscriptions', { package_id: full.id, customer_id: c.id, provider: 'offline' });
  }
}
