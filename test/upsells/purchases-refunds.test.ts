import { OfflinePaymentProvider } from '../../integrations/payments/offline';
import type { RefundRequest, RefundResult } from '../../integrations/payments/provider';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import { eventWithPolicy } from '../helpers/refunds';
import { createProduct, customerClient, orderWith, productCounters, type OrderView } from './purchases-helpers';

/** The offline provider, keeping the refunds asked of it. */
class RecordingProvider extends OfflinePaymentProvider {
  readonly refunds: RefundRequest[] = [];
  override async refund(request: RefundRequest): Promise<RefundResult> {
    this.refunds.push(request);
    return super.refund(request);
  }
}

const payments = new RecordingProvider();
let h: Harness;
let t: TenantFixture;

// 50% back from 7 days before the event, less €1.00 per refunded item; the events are 10 days out.
const POLICY = {
  windows: [{ until_days_before: 7, refund_percentage: 50, exchange_allowed: false, transfer_allowed: false }],
  processing_fee: 1.0,
  allow_credit_conversion: true,
};

beforeAll(async () => {
  h = await createHarness({ worker: true, payments });
  t = await createTenantWithKey(h);
}, 120_000);
afterAll(() => h.stop());

const refundsOf = (lineId: number) =>
  payments.refunds.filter((r) => r.idempotencyKey === `upsell-refund-${t.tenantId}-${lineId}`);

describe('refunding add-ons', () => {
  it("refunds a parking add-on alone by the event's policy: units freed, voucher void, money back once", async () => {
    const f: EventFixture = await eventWithPolicy(t, { daysOut: 10, policy: POLICY });
    const parking = await createProduct(t, f, { inventory: 5, requires_redemption: true, price_minor: 2000 });
    const order = await orderWith(t, f, [{ product_id: parking.id, quantity: 2 }]);
    expect(order.status).toBe(201);
    const line = order.body.upsells[0];

    const me = await customerClient(h, t, f.customerId);
    // A customer cannot name the amount: the policy decides it.
    expect((await me.post(`/api/upsells/lines/${line.id}/refund`, { amount_minor: 4000 })).status).toBe(403);
    const res = await me.post<OrderView & { upsells: { refund_minor: number | null }[] }>(
      `/api/upsells/lines/${line.id}/refund`,
      {},
    );
    expect(res.status).toBe(200);
    expect(res.body.upsells[0]).toMatchObject({ status: 'refunded', refund_minor: 1900 });
    expect(res.body.upsells[0].vouchers.map((v) => v.status)).toEqual(['cancelled', 'cancelled']);
    expect(res.body.tickets.every((x) => x.status === 'valid')).toBe(true);
    expect(await productCounters(h, parking.id)).toEqual({ reserved: 0, sold: 0 });
    await eventually(async () => refundsOf(line.id).length === 1, { what: 'the provider refund' });
    expect(refundsOf(line.id)[0].amountMinor).toBe(1900);

    const again = await me.post(`/api/upsells/lines/${line.id}/refund`, {});
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'line_not_paid' });
  });

  it('refuses a line whose voucher was used, and one outside every refund window', async () => {
    const f = await eventWithPolicy(t, { daysOut: 3, policy: POLICY });
    const parking = await createProduct(t, f, { requires_redemption: true });
    const order = await orderWith(t, f, [{ product_id: parking.id, quantity: 1 }]);
    const line = order.body.upsells[0];
    const outside = await t.api.post(`/api/upsells/lines/${line.id}/refund`, {});
    expect({ status: outside.status, code: outside.body.code }).toEqual({
      status: 422,
      code: 'outside_refund_policy',
    });
    const gate = await t.api.post<{ id: number }>('/api/checkin/gates', {
      event_id: f.eventId,
      name: 'Car park',
      accepts_vouchers: true,
    });
    await t.api.post('/api/upsells/vouchers/scan', { code: line.vouchers[0].code, gate_id: gate.body.id });
    // Staff may give money back outside the policy, but not for a parking spot already used.
    const used = await t.api.post(`/api/upsells/lines/${line.id}/refund`, { amount_minor: 1500 });
    expect({ status: used.status, code: used.body.code }).toEqual({ status: 409, code: 'voucher_redeemed' });
  });

  it("goes with the order's tickets when they are refunded", async () => {
    const f = await eventWithPolicy(t, { daysOut: 10, policy: POLICY });
    const drinks = await createProduct(t, f, { name: 'Drinks package', price_minor: 3000 });
    const order = await orderWith(t, f, [{ product_id: drinks.id, quantity: 1 }]);
    const refund = await t.api.post<{ status: string }>('/api/refund-requests', {
      order_id: order.body.id,
      type: 'refund',
    });
    expect(refund.status).toBe(201);
    const view = await eventually(
      async () => {
        const v = await t.api.get<OrderView & { upsells: { refund_minor: number | null }[] }>(
          `/api/orders/${order.body.id}`,
        );
        return v.body.upsells[0].status === 'refunded' && v.body;
      },
      { what: 'the add-on refunded with its ticket', timeoutMs: 30_000 },
    );
    // Half of what was paid; the tickets' request already charged the processing fee.
    expect(view.upsells[0].refund_minor).toBe(1500);
    await eventually(async () => refundsOf(view.upsells[0].id).length === 1, { what: 'the provider refund' });
  });
});
