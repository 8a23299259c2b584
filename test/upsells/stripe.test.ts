import { upsellPaymentExpiryWorkflowId } from '../../workflows/upsells/contract';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { testEnv } from '../stack-env';
import { createProduct, orderWith, productCounters, type OrderView } from './purchases-helpers';
import { startStripeRecorder, type StripeCall, type StripeRecorder } from './stripe-recorder';

let stripe: StripeRecorder;
let h: Harness;

beforeAll(async () => {
  stripe = await startStripeRecorder(testEnv('stripeMockUrl'));
  h = await createHarness({ worker: true, env: { PAYMENT_PROVIDER: 'stripe', STRIPE_API_URL: stripe.url } });
}, 120_000);
afterAll(async () => {
  await h.stop();
  await stripe.stop();
});

interface InvoiceLine {
  code: string;
  quantity: number;
  amount_minor: number;
}

/** A tenant of its own (so its bill holds only this test's lines) with the upsells settings given. */
async function tenantWith(settings: Record<string, unknown>): Promise<TenantFixture> {
  const t = await createTenantWithKey(h);
  const put = await t.api.put('/api/modules/upsells', { settings });
  expect(put.status).toBe(200);
  return t;
}

/** A paid order (paid on the tenant's own shop) to which add-ons are then added through Stripe. */
async function paidOrder(t: TenantFixture) {
  const f = await createOnSaleEvent(t);
  const order = await orderWith(t, f, [], { payment: { provider: 'external', reference: `shop-${Date.now()}` } });
  expect([order.status, order.body.status]).toEqual([201, 'paid']);
  return { f, order: order.body };
}

const intentCreations = (paymentId: number): StripeCall[] =>
  stripe.calls.filter(
    (c) =>
      c.method === 'POST' &&
      c.path === '/v1/payment_intents' &&
      c.params['metadata[upsell_payment_id]'] === String(paymentId),
  );

async function bill(t: TenantFixture): Promise<Map<string, InvoiceLine>> {
  const month = new Date().toISOString().slice(0, 7);
  const res = await t.api.get<{ lines: InvoiceLine[] }>(`/api/billing/usage?month=${month}`);
  return new Map(res.body.lines.map((l) => [l.code, l]));
}

describe("add-on payments through the tenant's Stripe connected account (stripe-mock)", () => {
  it('refuses a connected account that is not one, with the field named', async () => {
    const t = await createTenantWithKey(h);
    const bad = await t.api.put<{ code: string; errors: { path: string }[] }>('/api/modules/upsells', {
      settings: { stripe_connected_account: 'https://dashboard.stripe.com/acct' },
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'body.settings.stripe_connected_account' })]);
    const good = await t.api.put<{ settings: Record<string, unknown> }>('/api/modules/upsells', {
      settings: { stripe_connected_account: 'acct_1ShopOwner' },
    });
    expect(good.status).toBe(200);
    expect(good.body.settings).toEqual({ stripe_connected_account: 'acct_1ShopOwner' });
  });

  it('charges add-ons to the account, keeps the commission as application_fee_amount, and bills it once', async () => {
    const t = await tenantWith({ stripe_connected_account: 'acct_1ShopOwner' });
    const { f, order } = await paidOrder(t);
    // Two lines of €12.50: 3% is €0.375 each, metered as 38 cents per line, so the fee is 76 (not 75 on the total).
    const parking = await createProduct(t, f, { price_minor: 1250, requires_redemption: true });
    const drinks = await createProduct(t, f, { name: 'Drinks package', price_minor: 1250 });
    const added = await t.api.post<OrderView>(`/api/upsells/orders/${order.id}/add-ons`, {
      items: [
        { product_id: parking.id, quantity: 1 },
        { product_id: drinks.id, quantity: 1 },
      ],
      payment_method: 'pm_card_visa',
    });
    expect(added.status).toBe(201);
    const [payment] = added.body.upsell_payments;
    expect(payment).toMatchObject({ amount_minor: 2500, status: 'pending', reference: expect.stringMatching(/^pi_/) });

    // stripe-mock accepted it (it validates every parameter); this is what Stripe was asked.
    const [created] = intentCreations(payment.id);
    expect(created.answer).toBe(200);
    expect(created.params).toMatchObject({
      amount: '2500',
      currency: 'eur',
      'transfer_data[destination]': 'acct_1ShopOwner',
      application_fee_amount: '76',
    });
    expect(created.params).not.toHaveProperty('on_behalf_of');

    // The buyer completes the card payment; confirming settles the add-ons.
    stripe.succeed(payment.reference as string);
    const confirmed = await t.api.post<OrderView>(`/api/upsells/payments/${payment.id}/confirm`);
    expect(confirmed.status).toBe(200);
    const settled = await eventually(
      async () => {
        const v = (await t.api.get<OrderView>(`/api/orders/${order.id}`)).body;
        return v.upsell_payments[0].status === 'paid' && v;
      },
      { what: 'the add-on payment settled' },
    );
    expect(settled.upsells.map((l) => l.status)).toEqual(['paid', 'paid']);

    // The bill meters the commission as for any add-on, and gives back what the application fee already took.
    const lines = await bill(t);
    expect(lines.get('upsells.commission')).toMatchObject({ quantity: 2, amount_minor: 76 });
    expect(lines.get('upsells.commission_collected')).toMatchObject({ quantity: 2, amount_minor: -76 });

    // Refunding the parking takes the money back from the connected account that got it.
    const parkingLine = settled.upsells.find((l) => l.product_id === parking.id) as OrderView['upsells'][number];
    const refunded = await t.api.post(`/api/upsells/lines/${parkingLine.id}/refund`, { amount_minor: 1250 });
    expect(refunded.status).toBe(200);
    const refund = await eventually(
      async () =>
        stripe.calls.find(
          (c) =>
            c.path === '/v1/refunds' &&
            c.idempotencyKey === `upsell-refund-${t.tenantId}-${parkingLine.id}` &&
            c.answer !== 'pending',
        ),
      { what: 'the refund sent to Stripe, answered' },
    );
    expect(refund.params).toMatchObject({
      payment_intent: payment.reference,
      amount: '1250',
      reverse_transfer: 'true',
    });
    expect(refund.answer).toBe(200);
  });

  it('charges the platform account, with no fee, when the tenant has no connected account', async () => {
    const t = await tenantWith({});
    const { f, order } = await paidOrder(t);
    const drinks = await createProduct(t, f, { name: 'Drinks package', price_minor: 1250 });
    const added = await t.api.post<OrderView>(`/api/upsells/orders/${order.id}/add-ons`, {
      items: [{ product_id: drinks.id, quantity: 1 }],
    });
    expect(added.status).toBe(201);
    const [created] = intentCreations(added.body.upsell_payments[0].id);
    expect(created.params.amount).toBe('1250');
    expect(Object.keys(created.params).filter((k) => /transfer_data|application_fee|on_behalf_of/.test(k))).toEqual([]);
  });
});

describe('an add-on payment whose window ends unpaid is cancelled at Stripe (stripe-mock)', () => {
  async function pendingParking(t: TenantFixture) {
    const { f, order } = await paidOrder(t);
    const parking = await createProduct(t, f, { inventory: 1, requires_redemption: true });
    const added = await t.api.post<OrderView>(`/api/upsells/orders/${order.id}/add-ons`, {
      items: [{ product_id: parking.id, quantity: 1 }],
    });
    expect(added.status).toBe(201);
    const [payment] = added.body.upsell_payments;
    expect(payment.status).toBe('pending');
    const handle = h.temporal.workflow.getHandle(upsellPaymentExpiryWorkflowId(t.tenantId, payment.id));
    const cancels = () =>
      stripe.calls.filter((c) => c.path === `/v1/payment_intents/${payment.reference as string}/cancel`);
    return { order, parking, payment, handle, cancels };
  }

  it('cancels the PaymentIntent before the parking spot goes back, once despite lost answers', async () => {
    const t = await tenantWith({ addon_payment_window_s: 2 });
    const { order, parking, payment, handle, cancels } = await pendingParking(t);
    // Stripe cancels, but the answers never arrive: the SDK's own retries, then the activity's retry, ask again.
    stripe.loseCancels(3);
    expect(await handle.result()).toMatchObject({ status: 'released' });

    const key = `upsell-payment-cancel-${t.tenantId}-${payment.id}`;
    expect(cancels().length).toBeGreaterThanOrEqual(4);
    expect(cancels().map((c) => [c.idempotencyKey, c.params.cancellation_reason])).toEqual(
      cancels().map(() => [key, 'abandoned']),
    );
    expect(cancels().at(-1)?.answer).toBe(200);
    const view = (await t.api.get<OrderView>(`/api/orders/${order.id}`)).body;
    expect(view.upsell_payments[0].status).toBe('failed');
    expect(view.upsells[0].status).toBe('cancelled');
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 0 });
  });

  it('settles instead when Stripe refuses the cancellation because the buyer paid at the last moment', async () => {
    const t = await tenantWith({ addon_payment_window_s: 2 });
    const { order, parking, payment, handle, cancels } = await pendingParking(t);
    stripe.succeed(payment.reference as string);
    expect(await handle.result()).toMatchObject({ status: 'paid' });

    expect(cancels().map((c) => c.answer)).toEqual([400]);
    const view = (await t.api.get<OrderView>(`/api/orders/${order.id}`)).body;
    expect(view.upsell_payments[0].status).toBe('paid');
    expect(view.upsells[0]).toMatchObject({ status: 'paid', vouchers: [expect.objectContaining({ status: 'valid' })] });
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 1 });
  });
});
