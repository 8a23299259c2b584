import { client, createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import {
  at,
  createCustomer,
  createPackage,
  type PackageBody,
  type Problem,
  type SubscriptionBody,
} from './subscriptions-fixtures';

let h: Harness;
let t: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Theatre');
  other = await createTenantWithKey(h, 'Other theatre');
});
afterAll(() => h.stop());

const base = {
  name: 'Season pass',
  type: 'full',
  price_minor: 40000,
  currency: 'EUR',
  billing_cycle: 'annual',
  season_starts_at: at(10),
  season_ends_at: at(200),
};

test('packages: create, read, list, update', async () => {
  const pkg = await createPackage(t, { series_tag: 'opera', season_starts_at: at(10) });
  expect(pkg).toMatchObject({ events_total: 0, price_now_minor: 40000 });
  expect((await t.api.get<PackageBody>(`/api/season/packages/${pkg.id}`)).body.id).toBe(pkg.id);
  const list = await t.api.get<{ items: PackageBody[] }>('/api/season/packages?status=active');
  expect(list.body.items.map((p) => p.id)).toContain(pkg.id);
  const patched = await t.api.patch<PackageBody>(`/api/season/packages/${pkg.id}`, {
    price_minor: 45000,
    benefits: { free_exchanges: 2, member_only_event_tags: ['premiere'] },
  });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({
    price_minor: 45000,
    benefits: { free_exchanges: 2, member_only_event_tags: ['premiere'] },
  });
  const flexless = await t.api.patch<Problem>(`/api/season/packages/${pkg.id}`, { flex_credits: 4 });
  expect([flexless.status, flexless.body.code]).toEqual([422, 'flex_credits_not_allowed']);
});

test('package definitions that cannot be sold are refused', async () => {
  for (const [body, code] of [
    [{ ...base, type: 'flex' }, 'flex_credits_required'],
    [{ ...base, type: 'category' }, 'category_required'],
    [{ ...base, season_ends_at: at(5) }, 'invalid_season_window'],
  ] as const) {
    const res = await t.api.post<Problem>('/api/season/packages', body);
    expect([res.status, res.body.code]).toEqual([422, code]);
  }
});

test('bad benefits JSON answers 400 with the path of the fault', async () => {
  for (const [benefits, path] of [
    [{ discount_percent: 150 }, 'body.benefits.discount_percent'],
    [{ presale_hours: 'soon' }, 'body.benefits.presale_hours'],
    [{ free_exchanges: -1 }, 'body.benefits.free_exchanges'],
    [{ priority_seating: 'yes' }, 'body.benefits.priority_seating'],
    [{ member_only_event_tags: 'vip' }, 'body.benefits.member_only_event_tags'],
  ] as const) {
    const res = await t.api.post<Problem>('/api/season/packages', { ...base, benefits });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.errors?.map((e) => e.path)).toContain(path);
  }
  const unknown = await t.api.post<Problem>('/api/season/packages', { ...base, benefits: { free_beer: true } });
  expect(unknown.status).toBe(400);
  expect(JSON.stringify(unknown.body.errors)).toMatch(/body\.benefits/);
  const patch = await t.api.patch<Problem>(`/api/season/packages/${(await createPackage(t)).id}`, {
    benefits: { discount_percent: 101 },
  });
  expect(patch.status).toBe(400);
});

test("another tenant's packages and subscriptions answer 404", async () => {
  const pkg = await createPackage(t);
  const sub = (
    await t.api.post<SubscriptionBody>('/api/season/subscriptions', {
      package_id: pkg.id,
      customer_id: await createCustomer(t),
      provider: 'offline',
    })
  ).body;
  expect((await other.api.get(`/api/season/packages/${pkg.id}`)).status).toBe(404);
  expect((await other.api.patch(`/api/season/packages/${pkg.id}`, { name: 'Mine' })).status).toBe(404);
  expect((await other.api.get(`/api/season/subscriptions/${sub.id}`)).status).toBe(404);
  for (const [action, body] of [
    ['pause', { resume_at: at(20) }],
    ['resume', {}],
    ['cancel', {}],
    ['expire', {}],
    ['change-package', { package_id: pkg.id }],
    ['payments', { amount_minor: 100 }],
  ] as const)
    expect([action, (await other.api.post(`/api/season/subscriptions/${sub.id}/${action}`, body)).status]).toEqual([
      action,
      404,
    ]);
  const theirs = await other.api.post<Problem>('/api/season/subscriptions', {
    package_id: pkg.id,
    customer_id: await createCustomer(other),
    provider: 'offline',
  });
  expect(theirs.status).toBe(404);
  const list = await other.api.get<{ items: unknown[] }>('/api/season/subscriptions');
  expect(list.body.items).toEqual([]);
  expect((await t.api.get(`/api/season/subscriptions/${sub.id}`)).status).toBe(200);
});

test("a customer sees and changes only their own subscriptions; another customer's answer 404", async () => {
  const pkg = await createPackage(t);
  const [alice, bob] = [await createCustomer(t, 'Alice'), await createCustomer(t, 'Bob')];
  const token = async (customerId: number) =>
    client(h.baseUrl, (await t.api.post<{ token: string }>(`/api/customers/${customerId}/tokens`, {})).body.token);
  const [asAlice, asBob] = [await token(alice), await token(bob)];
  const own = await asAlice.post<SubscriptionBody>('/api/season/subscriptions', {
    package_id: pkg.id,
    customer_id: alice,
    provider: 'offline',
  });
  expect(own.status).toBe(201);
  expect(
    (await asAlice.post('/api/season/subscriptions', { package_id: pkg.id, customer_id: bob, provider: 'offline' }))
      .status,
  ).toBe(404);
  expect((await asBob.get(`/api/season/subscriptions/${own.body.id}`)).status).toBe(404);
  expect((await asBob.post(`/api/season/subscriptions/${own.body.id}/cancel`, {})).status).toBe(404);
  expect((await asBob.get<{ items: unknown[] }>('/api/season/subscriptions')).body.items).toEqual([]);
  expect((await asAlice.get<{ items: unknown[] }>('/api/season/subscriptions')).body.items).toHaveLength(1);
  expect((await asAlice.post(`/api/season/subscriptions/${own.body.id}/payments`, { amount_minor: 1 })).status).toBe(
    403,
  );
});
