import { withTenant } from '../../db/connection';
import { emit } from '../../db/platform/outbox';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { recordHistory } from '../helpers/histories';
import { startStripeFailingProxy, type StripeFailingProxy } from '../helpers/stripe-failing-proxy';
import { testEnv } from '../stack-env';
import { getRenewalStateQuery, seasonRenewalWorkflowId } from '../../workflows/season/renewal-contract';
import { seriesEvent } from './allocation-fixtures';
import {
  mailBodies,
  mailTo,
  outboxOf,
  recordRunHistory,
  renewalHandle,
  renewalRow,
  renewalSettings,
  renewingSubscription,
  type RenewingSubscription,
} from './renewals-fixtures';

let h: Harness;
let t: TenantFixture;
let proxy: StripeFailingProxy;

beforeAll(async () => {
  proxy = await startStripeFailingProxy(testEnv('stripeMockUrl'));
  // The worker charges Stripe through the proxy: stripe-mock behind it, with declines on demand.
  h = await createHarness({ worker: true, env: { PAYMENT_PROVIDER: 'stripe', STRIPE_API_URL: proxy.url } });
  t = await createTenantWithKey(h, 'Season renewals');
  await renewalSettings(h, t);
});
afterAll(async () => {
  await h?.stop();
  await proxy?.stop();
});

const paymentsOf = (subscriptionId: number) =>
  h.owner('season_payments').where({ subscription_id: subscriptionId }).orderBy('id');
const subscriptionOf = (subscriptionId: number) =>
  h.owner('season_subscriptions').where({ id: subscriptionId }).first();
/** Announces a change as the subscriptions part does, in a transaction of its own. */
async function announce(
  s: RenewingSubscription,
  type: 'season.subscription_paused' | 'season.subscription_resumed',
  extra: { resume_at?: string },
): Promise<void> {
  const base = { subscription_id: s.subscriptionId, customer_id: s.customerId };
  await withTenant(h.db, t.tenantId, (tx) =>
    emit(
      tx,
      t.tenantId,
      type === 'season.subscription_paused'
        ? {
            type,
            aggregateType: 'season_subscription',
            aggregateId: s.subscriptionId,
            payload: { ...base, resume_at: extra.resume_at ?? '' },
          }
        : { type, aggregateType: 'season_subscription', aggregateId: s.subscriptionId, payload: base },
    ),
  );
}
/** The renewal workflow's result, once the trigger has started it and it has ended. */
async function finished(subscriptionId: number) {
  const handle = renewalHandle(h, t, subscriptionId);
  await eventually(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    { what: 'renewal workflow started' },
  );
  return handle.result();
}
const chargesOf = (customer: string) => proxy.charges.filter((c) => c.customer === customer);

describe('season renewal workflow (stripe-mock behind a declining proxy)', () => {
  it('e-mails two reminders with the amount and date, charges the saved card once and renews for a year', async () => {
    const s = await renewingSubscription(h, t, { renewsInMs: 3_500 });
    const handle = renewalHandle(h, t, s.subscriptionId);
    const firstRun = await eventually(
      () =>
        handle.describe().then(
          (d) => d.runId,
          () => undefined,
        ),
      {
        what: 'renewal workflow started',
      },
    );

    const row = await renewalRow(h, s.subscriptionId, 'renewed');
    expect([...row.reminders_sent].sort()).toEqual([1, 2]);
    expect(row.attempts).toBe(1);
    const sub = await subscriptionOf(s.subscriptionId);
    const nextYear = new Date(s.renewsAt);
    nextYear.setUTCFullYear(nextYear.getUTCFullYear() + 1);
    expect([sub.status, sub.renews_at.toISOString(), sub.ends_at.toISOString()]).toEqual([
      'active',
      nextYear.toISOString(),
      nextYear.toISOString(),
    ]);
    const payments = await paymentsOf(s.subscriptionId);
    expect(payments.map((p) => [p.kind, p.status, p.provider, p.attempt, p.amount_minor])).toEqual([
      ['renewal', 'succeeded', 'stripe', 1, 30_000],
    ]);
    expect(payments[0].provider_ref).toMatch(/^pi_/);
    expect(chargesOf(s.stripeCustomer).map((c) => c.answer)).toEqual(['forwarded']);

    const reminders = await eventually(
      async () => {
        const subjects = mailTo(h, s.email).filter((m) => m.startsWith('Your Gold season renews on'));
        return subjects.length === 2 && subjects;
      },
      { what: 'two reminder e-mails' },
    );
    expect(reminders[0]).toContain(String(s.renewsAt.getUTCFullYear()));
    expect(mailBodies(h, s.email)).toContain('We will charge €300.00 to your saved payment method.');
    const events = await outboxOf(h, s.subscriptionId);
    expect(events.filter((e) => e.type === 'season.renewal_reminder_sent').map((e) => e.payload.days_before)).toEqual([
      2, 1,
    ]);
    expect(events.filter((e) => e.type === 'season.renewed').map((e) => e.payload)).toEqual([
      expect.objectContaining({ attempt: 1, amount_minor: 30_000, renews_at: nextYear.toISOString() }),
    ]);

    // The same run then waits for next year's reminders.
    const next = await eventually(
      () =>
        handle.query(getRenewalStateQuery).then(
          (q) => q.renewals === 1 && q.status === 'scheduled' && q,
          () => undefined,
        ),
      { what: 'next period scheduled' },
    );
    expect([next.status, next.renewsAt]).toEqual(['scheduled', nextYear.toISOString()]);
    await recordRunHistory(h, handle.workflowId, firstRun, 'season-renewal-renewed-in-run');
  });

  it('sends a dunning e-mail when the card is declined, then renews on the retry within grace', async () => {
    // Both reminder times have passed by the time it starts: only the later one goes out.
    const s = await renewingSubscription(h, t, { renewsInMs: 800 });
    proxy.decline(s.stripeCustomer, 1);

    const row = await renewalRow(h, s.subscriptionId, 'renewed');
    expect(row.attempts).toBe(2);
    const payments = await paymentsOf(s.subscriptionId);
    expect(payments.map((p) => [p.status, p.attempt])).toEqual([
      ['failed', 1],
      ['succeeded', 2],
    ]);
    expect(payments[0].failure_reason).toBe('card_declined: Your card was declined.');
    expect(chargesOf(s.stripeCustomer).map((c) => c.answer)).toEqual(['declined', 'forwarded']);
    await eventually(async () => mailTo(h, s.email).includes('Action needed: your Gold season renewal'), {
      what: 'dunning e-mail',
    });
    expect(mailTo(h, s.email).filter((m) => m.startsWith('Your Gold season renews on'))).toHaveLength(1);
    expect(mailBodies(h, s.email)).toContain('card_declined: Your card was declined.');
    const failed = (await outboxOf(h, s.subscriptionId)).filter((e) => e.type === 'season.renewal_failed');
    expect(failed.map((e) => [e.payload.attempt, typeof e.payload.next_retry_at])).toEqual([[1, 'string']]);
  });

  it('expires the subscription when every retry is declined through the grace period, releasing its seats', async () => {
    const s = await renewingSubscription(h, t, { renewsInMs: 1_000 });
    proxy.decline(s.stripeCustomer, 10);
    // A season event to come, with the subscriber's seat allocated.
    const event = await seriesEvent(t, { startsInMs: 60 * 86_400_000 });
    expect((await t.api.post(`/api/season/events/${event.eventId}/allocate`)).status).toBe(200);
    const allocation = await h
      .owner('season_ticket_allocations')
      .where({ subscription_id: s.subscriptionId, event_id: event.eventId })
      .first();
    expect(allocation.status).toBe('allocated');

    const handle = renewalHandle(h, t, s.subscriptionId);
    const result = await finished(s.subscriptionId);
    expect(result).toEqual(expect.objectContaining({ status: 'expired', attempts: 3, nextRetryAt: null }));
    const row = await renewalRow(h, s.subscriptionId, 'expired');
    expect(row.attempts).toBe(3);
    const listed = await t.api.get<{ items: { status: string; attempts: number; next_retry_at: string | null }[] }>(
      `/api/season/subscriptions/${s.subscriptionId}/renewals`,
    );
    expect([listed.status, listed.body.items]).toEqual([
      200,
      [expect.objectContaining({ status: 'expired', attempts: 3, next_retry_at: null })],
    ]);
    expect((await subscriptionOf(s.subscriptionId)).status).toBe('expired');
    expect((await paymentsOf(s.subscriptionId)).map((p) => [p.status, p.attempt])).toEqual([
      ['failed', 1],
      ['failed', 2],
      ['failed', 3],
    ]);
    const released = await h.owner('season_ticket_allocations').where({ id: allocation.id }).first();
    expect([released.status, released.release_reason]).toEqual(['released', 'expired']);
    const expired = (await outboxOf(h, s.subscriptionId)).filter((e) => e.type === 'season.subscription_expired');
    expect(expired.map((e) => e.payload)).toEqual([
      { subscription_id: s.subscriptionId, customer_id: s.customerId, reason: 'renewal_failed', seats_released: 1 },
    ]);
    await eventually(async () => mailTo(h, s.email).includes('Your Gold season has expired'), {
      what: 'expiry e-mail',
    });
    expect(mailTo(h, s.email).filter((m) => m.startsWith('Action needed'))).toHaveLength(3);
    await recordHistory(h.temporal, handle.workflowId, 'season-renewal-expired');
  });

  it('never charges a subscription cancelled before its renewal date', async () => {
    const s = await renewingSubscription(h, t, { renewsInMs: 2_500 });
    await renewalRow(h, s.subscriptionId, 'pending');
    await h
      .owner('season_subscriptions')
      .where({ id: s.subscriptionId })
      .update({ status: 'cancelled', cancelled_at: new Date(), auto_renew: false, renews_at: null });
    await withTenant(h.db, t.tenantId, (tx) =>
      emit(tx, t.tenantId, {
        type: 'season.subscription_cancelled',
        aggregateType: 'season_subscription',
        aggregateId: s.subscriptionId,
        payload: {
          subscription_id: s.subscriptionId,
          customer_id: s.customerId,
          at_period_end: false,
          effective_at: new Date().toISOString(),
        },
      }),
    );
    const handle = renewalHandle(h, t, s.subscriptionId);
    expect((await finished(s.subscriptionId)).status).toBe('cancelled');
    // Past the renewal date: still no charge, no payment.
    await new Promise((r) => setTimeout(r, Math.max(0, s.renewsAt.getTime() - Date.now()) + 500));
    expect(chargesOf(s.stripeCustomer)).toEqual([]);
    expect(await paymentsOf(s.subscriptionId)).toEqual([]);
    await recordHistory(h.temporal, handle.workflowId, 'season-renewal-cancelled');
  });

  it('charges once when the answer to the charge is lost (the retry replays the idempotency key)', async () => {
    const s = await renewingSubscription(h, t, { renewsInMs: 1_000 });
    proxy.loseAnswer(s.stripeCustomer);
    await renewalRow(h, s.subscriptionId, 'renewed');
    const charges = chargesOf(s.stripeCustomer);
    expect(charges.map((c) => c.answer)).toEqual(['lost', 'replayed']);
    expect(new Set(charges.map((c) => c.key)).size).toBe(1);
    expect((await paymentsOf(s.subscriptionId)).map((p) => p.status)).toEqual(['succeeded']);
  });

  it('offline: asks for the payment, and renews when a manual payment is recorded within grace', async () => {
    const s = await renewingSubscription(h, t, { renewsInMs: 1_000, provider: 'offline' });
    await renewalRow(h, s.subscriptionId, 'failing');
    await eventually(async () => mailBodies(h, s.email).includes('We have not yet received your renewal payment'), {
      what: 'payment request e-mail',
    });
    // Recorded as the subscriptions part's manual-payment route does: the ledger row and its event.
    const paymentId = await withTenant(h.db, t.tenantId, async (tx) => {
      const [p] = await tx('season_payments')
        .insert({
          tenant_id: t.tenantId,
          subscription_id: s.subscriptionId,
          kind: 'manual',
          amount_minor: 30_000,
          currency: 'EUR',
          status: 'succeeded',
          provider: 'offline',
        })
        .returning('id');
      const id = Number(p.id);
      await emit(tx, t.tenantId, {
        type: 'season.payment_succeeded',
        aggregateType: 'season_subscription',
        aggregateId: s.subscriptionId,
        payload: {
          payment_id: id,
          subscription_id: s.subscriptionId,
          kind: 'manual',
          amount_minor: 30_000,
          currency: 'EUR',
          provider: 'offline',
        },
      });
      return id;
    });
    const row = await renewalRow(h, s.subscriptionId, 'renewed');
    expect(row.payment_id).toBe(paymentId);
    expect((await subscriptionOf(s.subscriptionId)).status).toBe('active');
    expect(chargesOf(s.stripeCustomer)).toEqual([]);
    expect(seasonRenewalWorkflowId(t.tenantId, s.subscriptionId)).toBe(
      `season-renewal/${t.tenantId}/${s.subscriptionId}`,
    );
  });
  it('holds a paused subscription, and renews on the date moved by its resume', async () => {
    const s = await renewingSubscription(h, t, { renewsInMs: 4_000 });
    await renewalRow(h, s.subscriptionId, 'pending');
    await h
      .owner('season_subscriptions')
      .where({ id: s.subscriptionId })
      .update({ status: 'paused', paused_until: new Date(Date.now() + 60_000) });
    await announce(s, 'season.subscription_paused', { resume_at: new Date(Date.now() + 60_000).toISOString() });
    const handle = renewalHandle(h, t, s.subscriptionId);
    await eventually(
      () =>
        handle.query(getRenewalStateQuery).then(
          (q) => q.status === 'paused',
          () => false,
        ),
      {
        what: 'renewal paused',
      },
    );
    // Past the old renewal date while paused: nothing is charged.
    await new Promise((r) => setTimeout(r, Math.max(0, s.renewsAt.getTime() - Date.now()) + 300));
    expect(chargesOf(s.stripeCustomer)).toEqual([]);

    const moved = new Date(Date.now() + 1_000);
    await h
      .owner('season_subscriptions')
      .where({ id: s.subscriptionId })
      .update({ status: 'active', paused_until: null, renews_at: moved, ends_at: moved });
    await announce(s, 'season.subscription_resumed', {});
    const row = await eventually(
      async () => {
        const r = await h
          .owner('season_renewals')
          .where({ subscription_id: s.subscriptionId, status: 'renewed' })
          .first();
        return r;
      },
      { what: 'renewal at the moved date' },
    );
    expect(row.renews_at.toISOString()).toBe(moved.toISOString());
    expect(chargesOf(s.stripeCustomer).map((c) => c.answer)).toEqual(['forwarded']);
  });

  it('expires a subscription that does not auto-renew at the end of its period, without charging it', async () => {
    const s = await renewingSubscription(h, t, { renewsInMs: 1_000, autoRenew: false });
    const result = await finished(s.subscriptionId);
    expect(result.status).toBe('expired');
    expect((await subscriptionOf(s.subscriptionId)).status).toBe('expired');
    expect(chargesOf(s.stripeCustomer)).toEqual([]);
    const expired = (await outboxOf(h, s.subscriptionId)).filter((e) => e.type === 'season.subscription_expired');
    expect(expired.map((e) => e.payload.reason)).toEqual(['not_renewed']);
  });
});
