import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { eventWithPolicy } from '../helpers/refunds';
import { createProduct, orderWith } from './purchases-helpers';

let h: Harness;
let t: TenantFixture;

// 50% back from 7 days before the event, less €1.00 per refunded item; the event is 10 days out.
const POLICY = {
  windows: [{ until_days_before: 7, refund_percentage: 50, exchange_allowed: false, transfer_allowed: false }],
  processing_fee: 1.0,
  allow_credit_conversion: true,
};

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
}, 120_000);
afterAll(() => h.stop());

interface InvoiceLine {
  code: string;
  quantity: number;
  amount_minor: number;
}

describe('commission on refunded add-ons', () => {
  it('reverses 3% of the refunded upsell revenue on the bill, once', async () => {
    const f = await eventWithPolicy(t, { daysOut: 10, policy: POLICY });
    const drinks = await createProduct(t, f, { name: 'Drinks package', price_minor: 4000 });
    const order = await orderWith(t, f, [{ product_id: drinks.id, quantity: 1 }]);
    expect(order.status).toBe(201);
    const line = order.body.upsells[0];
    const refunded = await t.api.post(`/api/upsells/lines/${line.id}/refund`, {});
    expect(refunded.status).toBe(200);
    // Repeating the refund is refused and reverses nothing more.
    expect((await t.api.post(`/api/upsells/lines/${line.id}/refund`, {})).status).toBe(409);

    const month = new Date().toISOString().slice(0, 7);
    const bill = await t.api.get<{ lines: InvoiceLine[]; total_minor: number }>(`/api/billing/usage?month=${month}`);
    const byCode = new Map(bill.body.lines.map((l) => [l.code, l]));
    // €40.00 paid: €1.20 commission. Refunded by the policy: 50% less €1.00 = €19.00, so €0.57 goes back.
    expect(byCode.get('upsells.commission')).toMatchObject({ quantity: 1, amount_minor: 120 });
    expect(byCode.get('upsells.commission_reversal')).toMatchObject({ quantity: 1, amount_minor: -57 });
    expect(bill.body.total_minor).toBe(bill.body.lines.reduce((s, l) => s + l.amount_minor, 0));
  });
});
