import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import {
  at,
  createCustomer,
  createPackage,
  createSeasonEvent,
  invoiceEvent,
  sendStripeEvent,
  type PackageBody,
  type Problem,
  type SubscriptionBody,
} from './subscriptions-fixtures';

let h: Harness;
let t: TenantFixture;
let full: PackageBody;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Season club');
  // Four events of the season: two already held, two to come; one of another series that does not count.
  for (const days of [-20, -10, 10, 20]) await createSeasonEvent(h, t, days);
  await createSeasonEvent(h, t, 15, { tags: ['other'] });
  full = await createPackage(t);
});
afterAll(() => h.stop());

const buy = (body: Record<string, unknown>) => t.api.post<SubscriptionBody>('/api/season/subscriptions', body);
const get = async (id: number): Promise<SubscriptionBody> =>
  (await t.api.get<SubscriptionBody>(`/api/season/subscriptions/${id}`)).body;
const outbox = (type: string, id: number) =>
  h
    .owner('outbox')
    .where({ type, aggregate_id: String(id) })
    .select('payload', 'next_attempt_at');

describe('purchase', () => {
  test('a pass bought mid-season costs the events left over the events of its scope', async () => {
    expect([full.events_total, full.events_left, full.price_now_minor]).toEqual([4, 2, 20000]);
    const flex = await createPackage(t, { type: 'flex', flex_credits: 5, price_minor: 15000 });
    expect(flex.price_now_minor).toBe(15000);
    const monthly = await createPackage(t, { billing_cycle: 'monthly', price_minor: 3000 });
    expect(monthly.price_now_minor).toBe(3000);
  });

  test('offline: the purchase waits for a manual payment, and says it is paid offline', async () => {
    const customer = await createCustomer(t);
    const res = await buy({ package_id: full.id, customer_id: customer, provider: 'offline' });
    expect(res.status).toBe(201);
    const sub = res.body;
    expect(sub).toMatchObject({ status: 'active', price_minor: 20000, paid_offline: true, paid_minor: 0 });
    expect(sub.billing_note).toMatch(/offline/i);
    expect(sub.payments).toMatchObject([{ kind: 'purchase', amount_minor: 20000, status: 'pending' }]);
    const [started] = await outbox('season.subscription_started', sub.id);
    expect(started.payload).toMatchObject({
      subscription_id: sub.id,
      package_id: full.id,
      customer_id: customer,
      renews_at: sub.renews_at,
    });

    const paid = await t.api.post<SubscriptionBody>(`/api/season/subscriptions/${sub.id}/payments`, {
      amount_minor: 20000,
      reference: `till-${sub.id}`,
    });
    expect(paid.status).toBe(201);
    expect(paid.body.paid_minor).toBe(20000);
    expect(paid.body.payments).toMatchObject([{ kind: 'purchase', status: 'succeeded', provider: 'offline' }]);
    const again = await t.api.post<Problem>(`/api/season/subscriptions/${sub.id}/payments`, {
      amount_minor: 20000,
      reference: `till-${sub.id}`,
    });
    expect([again.status, again.body.code]).toEqual([409, 'duplicate_payment_reference']);
    expect(await outbox('season.payment_succeeded', sub.id)).toHaveLength(1);
  });

  test('stripe: a Customer and a Subscription; webhooks settle the invoice once however often they come', async () => {
    const customer = await createCustomer(t);
    const res = await buy({ package_id: full.id, customer_id: customer, provider: 'stripe' });
    expect(res.status).toBe(201);
    const sub = res.body;
    expect(sub.stripe_customer_id).toMatch(/^cus_/);
    expect(sub.stripe_subscription_id).toMatch(/^sub_/);
    expect(sub.paid_offline).toBe(false);
    expect(sub.payments).toMatchObject([{ kind: 'purchase', amount_minor: 20000, status: 'pending' }]);

    const meta = { tenant_id: t.tenantId, season_subscription_id: String(sub.id) };
    const paid = invoiceEvent(
      `evt_paid_${sub.id}`,
      'invoice.paid',
      { id: `in_first_${sub.id}`, billing_reason: 'subscription_create', amount: 20000 },
      meta,
    );
    expect(await sendStripeEvent(t, paid)).toBe(200);
    expect(await sendStripeEvent(t, paid)).toBe(200);
    // The same invoice under another event id changes nothing either.
    expect(await sendStripeEvent(t, { ...paid, id: `evt_paid_again_${sub.id}` })).toBe(200);
    const after = await get(sub.id);
    expect(after.payments).toMatchObject([
      { kind: 'purchase', status: 'succeeded', provider_ref: `in_first_${sub.id}`, amount_minor: 20000 },
    ]);
    expect(after.paid_minor).toBe(20000);
    expect(await outbox('season.payment_succeeded', sub.id)).toHaveLength(1);

    const failed = invoiceEvent(
      `evt_failed_${sub.id}`,
      'invoice.payment_failed',
      { id: `in_cycle_${sub.id}`, billing_reason: 'subscription_cycle', amount: 40000 },
      meta,
    );
    expect(await sendStripeEvent(t, failed)).toBe(200);
    expect(await sendStripeEvent(t, failed)).toBe(200);
    expect((await get(sub.id)).payments[1]).toMatchObject({ kind: 'renewal', status: 'failed', amount_minor: 40000 });
    expect(await outbox('season.payment_failed', sub.id)).toHaveLength(1);
  });

  test('stripe subscription events: pause, resume and deletion follow Stripe, once each', async () => {
    const res = await buy({ package_id: full.id, customer_id: await createCustomer(t), provider: 'stripe' });
    const sub = res.body;
    const object = (extra: Record<string, unknown>) => ({
      id: sub.stripe_subscription_id,
      object: 'subscription',
      metadata: { tenant_id: t.tenantId, season_subscription_id: String(sub.id) },
      pause_collection: null,
      cancel_at_period_end: false,
      ...extra,
    });
    const resumesAt = Math.floor(Date.parse(at(5)) / 1000);
    const paused = {
      id: `evt_pause_${sub.id}`,
      type: 'customer.subscription.updated',
      data: { object: object({ pause_collection: { behavior: 'void', resumes_at: resumesAt } }) },
    };
    await sendStripeEvent(t, paused);
    await sendStripeEvent(t, paused);
    expect(await get(sub.id)).toMatchObject({
      status: 'paused',
      paused_until: new Date(resumesAt * 1000).toISOString(),
    });
    expect(await outbox('season.subscription_paused', sub.id)).toHaveLength(1);
    await sendStripeEvent(t, {
      id: `evt_resume_${sub.id}`,
      type: 'customer.subscription.updated',
      data: { object: object({}) },
    });
    expect((await get(sub.id)).status).toBe('active');
    const deleted = { id: `evt_del_${sub.id}`, type: 'customer.subscription.deleted', data: { object: object({}) } };
    await sendStripeEvent(t, deleted);
    await sendStripeEvent(t, deleted);
    expect((await get(sub.id)).status).toBe('cancelled');
    expect(await outbox('season.subscription_cancelled', sub.id)).toHaveLength(1);
  });

  test('one-time packages in instalments go through a Stripe Subscription Schedule', async () => {
    const oneTime = await createPackage(t, { billing_cycle: 'one-time', price_minor: 30000 });
    const res = await buy({
      package_id: oneTime.id,
      customer_id: await createCustomer(t),
      provider: 'stripe',
      instalments: 3,
    });
    expect(res.status).toBe(201);
    expect(res.body.stripe_subscription_schedule_id).toMatch(/^sub_sched_/);
    expect(res.body.billing_note).toMatch(/3 monthly instalments/);
    // 30000 × 2/4 = 15000 in three parts.
    expect(res.body.payments).toMatchObject([{ kind: 'purchase', amount_minor: 5000, status: 'pending' }]);
    const annual = await buy({ package_id: full.id, customer_id: await createCustomer(t), instalments: 3 });
    expect([annual.status, (annual.body as unknown as Problem).code]).toEqual([422, 'instalments_one_time_only']);
  });

  test('a season with no event left cannot be bought', async () => {
    const over = await createPackage(t, { series_tag: 'past-only' });
    await createSeasonEvent(h, t, -5, { tags: ['past-only'] });
    const res = await buy({ package_id: over.id, customer_id: await createCustomer(t), provider: 'offline' });
    expect([res.status, (res.body as unknown as Problem).code]).toEqual([422, 'season_over']);
  });
});

describe('transitions', () => {
  test('active → paused → active → cancelling → cancelled; illegal moves answer 409 with stable codes', async () => {
    const sub = (await buy({ package_id: full.id, customer_id: await createCustomer(t), provider: 'offline' })).body;
    const post = (action: string, body: Record<string, unknown> = {}) =>
      t.api.post<SubscriptionBody & Problem>(`/api/season/subscriptions/${sub.id}/${action}`, body);

    expect([(await post('resume')).status, (await post('resume')).body.code]).toEqual([409, 'illegal_transition']);
    const past = await post('pause', { resume_at: at(-1) });
    expect([past.status, past.body.code]).toEqual([422, 'invalid_resume_at']);
    const resumeAt = at(10);
    const paused = await post('pause', { resume_at: resumeAt });
    expect(paused.body).toMatchObject({ status: 'paused', paused_until: resumeAt });
    expect((await post('pause', { resume_at: at(12) })).body.code).toBe('illegal_transition');
    expect((await post('resume')).body.status).toBe('active');

    const cancelling = await post('cancel', {});
    expect(cancelling.body).toMatchObject({ status: 'active', cancel_at_period_end: true, renews_at: null });
    expect((await post('cancel', {})).body.code).toBe('already_cancelling');
    const cancelled = await post('cancel', { at_period_end: false });
    expect(cancelled.body.status).toBe('cancelled');
    for (const [action, body] of [
      ['pause', { resume_at: at(5) }],
      ['resume', {}],
      ['cancel', { at_period_end: false }],
      ['change-package', { package_id: full.id }],
    ] as const) {
      const res = await post(action, body);
      expect([action, res.status, res.body.code]).toEqual([action, 409, 'illegal_transition']);
    }
    const events = await h
      .owner('outbox')
      .where({ aggregate_id: String(sub.id) })
      .whereLike('type', 'season.subscription_%');
    expect(events.map((e: { type: string }) => e.type).sort()).toEqual(
      [
        'season.subscription_cancelled',
        'season.subscription_cancelled',
        'season.subscription_paused',
        'season.subscription_resume_due',
        'season.subscription_resumed',
        'season.subscription_started',
      ].sort(),
    );
  });

  test('a paused subscription resumes by itself on its resume date', async () => {
    const sub = (await buy({ package_id: full.id, customer_id: await createCustomer(t), provider: 'offline' })).body;
    const resumeAt = new Date(Date.now() + 1500).toISOString();
    const paused = await t.api.post<SubscriptionBody>(`/api/season/subscriptions/${sub.id}/pause`, {
      resume_at: resumeAt,
    });
    expect(paused.body.status).toBe('paused');
    await eventually(async () => (await get(sub.id)).status === 'active', { what: 'resumed', timeoutMs: 20_000 });
  });

  test('expiry only once the period is over', async () => {
    const sub = (await buy({ package_id: full.id, customer_id: await createCustomer(t), provider: 'offline' })).body;
    const early = await t.api.post<Problem>(`/api/season/subscriptions/${sub.id}/expire`, {});
    expect([early.status, early.body.code]).toEqual([409, 'period_not_over']);
    await h
      .owner('season_subscriptions')
      .where({ id: sub.id })
      .update({ starts_at: at(-40), ends_at: at(-1) });
    const expired = await t.api.post<SubscriptionBody>(`/api/season/subscriptions/${sub.id}/expire`, {});
    expect([expired.status, expired.body.status]).toEqual([200, 'expired']);
    expect(await outbox('season.subscription_expired', sub.id)).toHaveLength(1);
  });
});
