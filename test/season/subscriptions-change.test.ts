import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import {
  createCustomer,
  createPackage,
  createSeasonEvent,
  invoiceEvent,
  sendStripeEvent,
  type PackageBody,
  type Problem,
  type SubscriptionBody,
} from './subscriptions-fixtures';

interface ChangeBody {
  credit_minor: number;
  charge_minor: number;
  net_minor: number;
  applied: boolean;
  subscription: SubscriptionBody | null;
}

let h: Harness;
let t: TenantFixture;
let full: PackageBody;
let vip: PackageBody;

beforeAll(async () => {
  h = await createHarness();
  t = await createTenantWithKey(h, 'Upgrade club');
  for (const days of [-20, -10, 10, 20]) await createSeasonEvent(h, t, days);
  full = await createPackage(t, { price_minor: 40000 });
  vip = await createPackage(t, { type: 'vip', price_minor: 80000, benefits: { priority_seating: true } });
});
afterAll(() => h.stop());

const buy = async (packageId: number, provider: 'stripe' | 'offline'): Promise<SubscriptionBody> => {
  const res = await t.api.post<SubscriptionBody>('/api/season/subscriptions', {
    package_id: packageId,
    customer_id: await createCustomer(t),
    provider,
  });
  expect(res.status).toBe(201);
  return res.body;
};
const change = (id: number, body: Record<string, unknown>) =>
  t.api.post<ChangeBody & Problem>(`/api/season/subscriptions/${id}/change-package`, body);

test('upgrade mid-season: credit the unused half of the old pass, charge the remaining half of the new one', async () => {
  const sub = await buy(full.id, 'stripe');
  expect(sub.price_minor).toBe(20000);
  const preview = await change(sub.id, { package_id: vip.id });
  expect(preview.status).toBe(200);
  // Two of four events left: credit 40000 × 2/4, charge 80000 × 2/4.
  expect(preview.body).toMatchObject({ credit_minor: 20000, charge_minor: 40000, net_minor: 20000, applied: false });
  expect((await t.api.get<SubscriptionBody>(`/api/season/subscriptions/${sub.id}`)).body.package_id).toBe(full.id);

  const applied = await change(sub.id, { package_id: vip.id, apply: true });
  expect(applied.body.applied).toBe(true);
  expect(applied.body.subscription).toMatchObject({ package_id: vip.id, price_minor: 40000 });
  const proration = applied.body.subscription?.payments.find((p) => p.kind === 'proration');
  expect(proration).toMatchObject({ amount_minor: 20000, status: 'pending', provider: 'stripe' });
  expect(proration?.provider_ref).toMatch(/^in_/);

  // The proration invoice is paid: the webhook settles that payment.
  const paid = invoiceEvent(
    `evt_proration_${sub.id}`,
    'invoice.paid',
    { id: proration?.provider_ref ?? '', billing_reason: 'manual', amount: 20000 },
    { tenant_id: t.tenantId, season_subscription_id: String(sub.id) },
  );
  expect(await sendStripeEvent(t, paid)).toBe(200);
  const after = (await t.api.get<SubscriptionBody>(`/api/season/subscriptions/${sub.id}`)).body;
  expect(after.payments.find((p) => p.kind === 'proration')?.status).toBe('succeeded');
  const [changed] = await h
    .owner('outbox')
    .where({ type: 'season.subscription_changed', aggregate_id: String(sub.id) });
  expect(changed.payload).toMatchObject({ from_package_id: full.id, to_package_id: vip.id, proration_minor: 20000 });
});

test('downgrade mid-season: the difference is credited (offline: recorded as a credit)', async () => {
  const sub = await buy(vip.id, 'offline');
  expect(sub.price_minor).toBe(40000);
  const applied = await change(sub.id, { package_id: full.id, apply: true });
  expect(applied.body).toMatchObject({ credit_minor: 40000, charge_minor: 20000, net_minor: -20000, applied: true });
  expect(applied.body.subscription?.price_minor).toBe(20000);
  expect(applied.body.subscription?.payments.find((p) => p.kind === 'proration')).toMatchObject({
    amount_minor: -20000,
    status: 'succeeded',
  });
});

test('downgrade through Stripe credits the customer balance', async () => {
  const sub = await buy(vip.id, 'stripe');
  const applied = await change(sub.id, { package_id: full.id, apply: true });
  const credit = applied.body.subscription?.payments.find((p) => p.kind === 'proration');
  expect(credit).toMatchObject({ amount_minor: -20000, status: 'succeeded' });
  expect(credit?.provider_ref).toMatch(/^cbtxn_/);
});

test('flex: unused credits are credited, the new flex package is charged in full', async () => {
  const flex5 = await createPackage(t, { type: 'flex', flex_credits: 5, price_minor: 10000 });
  const flex10 = await createPackage(t, { type: 'flex', flex_credits: 10, price_minor: 18000 });
  const sub = await buy(flex5.id, 'offline');
  await h.owner('season_subscriptions').where({ id: sub.id }).update({ flex_credits_remaining: 2 });
  const applied = await change(sub.id, { package_id: flex10.id, apply: true });
  expect(applied.body).toMatchObject({ credit_minor: 4000, charge_minor: 18000, net_minor: 14000 });
  expect(applied.body.subscription?.flex_credits_remaining).toBe(10);
});

test('moves that cannot be priced are refused with stable codes', async () => {
  const sub = await buy(full.id, 'offline');
  const monthly = await createPackage(t, { billing_cycle: 'monthly', price_minor: 5000 });
  const usd = await createPackage(t, { currency: 'USD' });
  const inactive = await createPackage(t, { status: 'inactive' });
  for (const [pkg, code] of [
    [full.id, 'same_package'],
    [monthly.id, 'billing_cycle_mismatch'],
    [usd.id, 'currency_mismatch'],
    [inactive.id, 'package_inactive'],
  ] as const) {
    const res = await change(sub.id, { package_id: pkg, apply: true });
    expect([res.status, res.body.code]).toEqual([422, code]);
  }
  expect((await change(sub.id, { package_id: 999_999 })).status).toBe(404);
});
