import { randomBytes } from 'node:crypto';
import { seedDemoModules } from '../../scripts/demo-modules';
import { seedDemo } from '../../scripts/demo-seed';
import { client, createHarness, eventually, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ worker: true });
});
afterAll(async () => {
  await h?.stop();
});

interface Page<T> {
  items: T[];
}

// Seeding drives the whole demo through the API and waits for its workflows: slow beside a full suite.
it('gives the demo event early-bird and demand pricing and a season whose members hold its seats, once', async () => {
  const tenantId = `t_demo_${randomBytes(4).toString('hex')}`;
  const demo = await seedDemo(h.config, undefined, { tenantId });
  await seedDemoModules(h.baseUrl, demo.apiKey, demo.eventId);
  await seedDemoModules(h.baseUrl, demo.apiKey, demo.eventId);
  const api = client(h.baseUrl, demo.apiKey);

  const rules = await api.get<Page<{ strategy: string; ticket_type_id: number }>>(
    `/api/pricing/rules?event_id=${demo.eventId}`,
  );
  expect(rules.body.items.map((r) => r.strategy).sort()).toEqual(['demand', 'time']);
  const general = rules.body.items.find((r) => r.strategy === 'time')?.ticket_type_id;
  const schedule = await api.get<{ tiers: { label: string | null }[] }>(
    `/api/pricing/ticket-types/${general}/schedule`,
  );
  expect(schedule.body.tiers.map((t) => t.label)).toEqual(expect.arrayContaining(['Regular', 'Door Price']));

  const packages = await api.get<Page<{ name: string; events_total: number }>>('/api/season/packages');
  expect(packages.body.items.map((p) => p.name).sort()).toEqual(['Demo season pass', 'Flex 5']);
  const subscriptions = await api.get<Page<{ id: number; status: string }>>('/api/season/subscriptions');
  expect(subscriptions.body.items.map((s) => s.status)).toEqual(['active', 'active', 'active']);
  // Each member gets the demo event's seat allocated by the worker, as for any tenant.
  const allocations = await eventually(
    async () => {
      const r = await api.get<Page<{ status: string }>>(`/api/season/allocations?event_id=${demo.eventId}`);
      return r.body.items.length === 3 && r.body.items;
    },
    { what: 'the members to get the demo event allocated', timeoutMs: 30_000 },
  );
  expect(allocations.map((a) => a.status)).toEqual(['allocated', 'allocated', 'allocated']);
}, 180_000);
