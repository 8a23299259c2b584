import { upsertModule } from '../../db/platform/modules';
import { OfflinePaymentProvider } from '../../integrations/payments/offline';
import type {
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
  PaymentStatus,
  RefundRequest,
  TransferRequest,
} from '../../integrations/payments/provider';
import { upsellPaymentExpiryWorkflowId } from '../../workflows/upsells/contract';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { recordHistory } from '../helpers/histories';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct, orderWith, productCounters, type OrderView } from './purchases-helpers';

/**
 * Orders are paid at once; an add-on payment waits for the buyer (3-D Secure) until the test completes it.
 * As at Stripe, a completed payment is not cancelled, and a cancelled one can no longer be completed.
 */
class BuyerActionProvider implements PaymentProvider {
  readonly name = 'offline' as const;
  private readonly completed = new Set<string>();
  /** Each cancelled payment with the idempotency key of every cancellation asked for. */
  readonly cancelled = new Map<string, (string | undefined)[]>();
  private readonly offline = new OfflinePaymentProvider();
  async createPayment(request: PaymentRequest): Promise<PaymentResult> {
    const result = await this.offline.createPayment(request);
    return request.metadata.upsell_payment_id ? { ...result, status: 'requires_action' } : result;
  }
  async getPaymentStatus(reference: string): Promise<PaymentStatus> {
    if (this.completed.has(reference)) return 'succeeded';
    return this.cancelled.has(reference) ? 'failed' : 'requires_action';
  }
  /** Payments whose cancellation was refused because they had been completed. */
  readonly refusedCancel = new Set<string>();
  async cancelPayment(reference: string, idempotencyKey?: string): Promise<void> {
    if (this.completed.has(reference)) return void this.refusedCancel.add(reference);
    this.cancelled.set(reference, [...(this.cancelled.get(reference) ?? []), idempotencyKey]);
  }
  /** The buyer finishes paying; false when the payment was cancelled first. */
  complete(reference: string): boolean {
    if (this.cancelled.has(reference)) return false;
    this.completed.add(reference);
    return true;
  }
  refund = (r: RefundRequest) => this.offline.refund(r);
  transfer = (r: TransferRequest) => this.offline.transfer(r);
}

const payments = new BuyerActionProvider();
let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true, payments });
  t = await createTenantWithKey(h);
  await upsertModule(h.owner, t.tenantId, 'upsells', { settings: { addon_payment_window_s: 15 } });
}, 120_000);
afterAll(() => h.stop());

async function pendingAddOn(inventory: number) {
  const f = await createOnSaleEvent(t);
  const parking = await createProduct(t, f, { inventory, requires_redemption: true });
  const order = await orderWith(t, f, []);
  expect(order.status).toBe(201);
  const added = await t.api.post<OrderView>(`/api/upsells/orders/${order.body.id}/add-ons`, {
    items: [{ product_id: parking.id, quantity: 1 }],
  });
  expect(added.status).toBe(201);
  const [payment] = added.body.upsell_payments;
  expect(payment.status).toBe('pending');
  expect(await productCounters(h, parking.id)).toEqual({ reserved: 1, sold: 0 });
  return { f, parking, order: added.body, payment };
}

const viewOf = async (orderId: number) => (await t.api.get<OrderView>(`/api/orders/${orderId}`)).body;

describe('unpaid add-on payments', () => {
  it('releases the reserved parking spot when the payment is not completed within the window', async () => {
    const { f, parking, order, payment } = await pendingAddOn(1);
    // The last spot is held for this buyer meanwhile.
    const other = await orderWith(t, f, []);
    const blocked = await t.api.post(`/api/upsells/orders/${other.body.id}/add-ons`, {
      items: [{ product_id: parking.id, quantity: 1 }],
    });
    expect({ status: blocked.status, code: blocked.body.code }).toEqual({ status: 409, code: 'upsell_sold_out' });

    const view = await eventually(
      async () => {
        // The view reads payments and lines in separate statements, so it may straddle the release's commit.
        const v = await viewOf(order.id);
        return v.upsell_payments[0].status === 'failed' && v.upsells.every((l) => l.status !== 'pending') && v;
      },
      { what: 'the payment expired', timeoutMs: 60_000 },
    );
    expect(view.upsells).toEqual([expect.objectContaining({ payment_id: payment.id, status: 'cancelled' })]);
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 0 });
    const handle = h.temporal.workflow.getHandle(upsellPaymentExpiryWorkflowId(t.tenantId, payment.id));
    expect(await handle.result()).toMatchObject({ status: 'released' });
    await recordHistory(h.temporal, handle.workflowId, 'upsell-payment-expired');

    // The payment was cancelled at the provider first: the buyer can no longer pay for the spot that went back.
    const reference = payment.reference as string;
    expect(payments.cancelled.get(reference)).toEqual([`upsell-payment-cancel-${t.tenantId}-${payment.id}`]);
    expect(payments.complete(reference)).toBe(false);
    const late = await t.api.post<OrderView>(`/api/upsells/payments/${payment.id}/confirm`);
    expect(late.status).toBe(200);
    expect((await viewOf(order.id)).upsell_payments[0].status).toBe('failed');
  });

  it('settles a payment the buyer completed at the last moment instead of releasing it', async () => {
    const { parking, order, payment } = await pendingAddOn(5);
    expect(payments.complete(payment.reference as string)).toBe(true);
    const handle = h.temporal.workflow.getHandle(upsellPaymentExpiryWorkflowId(t.tenantId, payment.id));
    expect(await handle.result()).toMatchObject({ status: 'paid' });
    // The cancellation was asked for and refused: the payment had succeeded.
    expect(payments.refusedCancel.has(payment.reference as string)).toBe(true);
    expect(payments.cancelled.has(payment.reference as string)).toBe(false);
    const view = await viewOf(order.id);
    expect(view.upsell_payments[0].status).toBe('paid');
    expect(view.upsells[0]).toMatchObject({ status: 'paid', vouchers: [expect.objectContaining({ status: 'valid' })] });
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 1 });
  });

  it('leaves a payment confirmed in time alone', async () => {
    const { order, payment } = await pendingAddOn(5);
    expect(payments.complete(payment.reference as string)).toBe(true);
    const confirmed = await t.api.post<OrderView>(`/api/upsells/payments/${payment.id}/confirm`);
    expect(confirmed.status).toBe(200);
    const handle = h.temporal.workflow.getHandle(upsellPaymentExpiryWorkflowId(t.tenantId, payment.id));
    expect(await handle.result()).toMatchObject({ status: 'paid' });
    expect((await viewOf(order.id)).upsells[0].status).toBe('paid');
    // Settled before its window ended: nothing was left to cancel.
    expect(payments.refusedCancel.has(payment.reference as string)).toBe(false);
    expect(payments.cancelled.has(payment.reference as string)).toBe(false);
  });
});
