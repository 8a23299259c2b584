import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct, orderWith, type OrderView } from './purchases-helpers';

let h: Harness;
let t: TenantFixture;

beforeAll(async () => {
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h);
}, 120_000);
afterAll(() => h.stop());

interface Verdict {
  verdict: string;
  reason: string | null;
  voucher: { product_id: number; product_name: string } | null;
}

const voucherGate = async (eventId: number) =>
  (
    await t.api.post<{ id: number }>('/api/checkin/gates', {
      event_id: eventId,
      name: 'Car park and bars',
      accepts_vouchers: true,
    })
  ).body.id;

describe('add-on vouchers at the gate', () => {
  it('admits a parking voucher once, at a gate that accepts vouchers only', async () => {
    const f = await createOnSaleEvent(t);
    const parking = await createProduct(t, f, { inventory: 5, requires_redemption: true });
    const order = await orderWith(t, f, [{ product_id: parking.id, quantity: 1 }]);
    expect(order.status).toBe(201);
    const [voucher] = order.body.upsells[0].vouchers;
    expect(voucher.status).toBe('valid');

    const main = await t.api.post<{ id: number; accepts_vouchers: boolean }>('/api/checkin/gates', {
      event_id: f.eventId,
      name: 'Main entrance',
    });
    expect(main.body.accepts_vouchers).toBe(false);
    const lot = await t.api.post<{ id: number; accepts_vouchers: boolean }>('/api/checkin/gates', {
      event_id: f.eventId,
      name: 'Car park',
      accepts_vouchers: true,
    });
    expect(lot.body.accepts_vouchers).toBe(true);

    const scan = (gateId: number, code = voucher.code) =>
      t.api.post<Verdict>('/api/upsells/vouchers/scan', { code, gate_id: gateId });
    expect((await scan(main.body.id)).body).toMatchObject({
      verdict: 'invalid',
      reason: 'gate_does_not_accept_vouchers',
    });
    const first = await scan(lot.body.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ verdict: 'success', voucher: { product_name: 'Parking spot' } });
    expect((await scan(lot.body.id)).body).toMatchObject({ verdict: 'already_redeemed' });
    expect((await scan(lot.body.id, 'NOSUCHVOUCHER1')).body).toMatchObject({
      verdict: 'invalid',
      reason: 'unknown_code',
    });

    // A voucher is not a ticket: the ticket scanner refuses it.
    const asTicket = await t.api.post<{ verdict: string }>('/api/checkin/scan', {
      scan_id: `v-${voucher.code}`,
      code: voucher.code,
      gate_id: lot.body.id,
    });
    expect(asTicket.body.verdict).toBe('invalid');

    // Later, the gate stops accepting vouchers.
    const patched = await t.api.patch<{ accepts_vouchers: boolean }>(`/api/checkin/gates/${main.body.id}`, {
      accepts_vouchers: true,
    });
    expect(patched.body.accepts_vouchers).toBe(true);
    const view = await t.api.get<{ upsells: { vouchers: { status: string }[] }[] }>(`/api/orders/${order.body.id}`);
    expect(view.body.upsells[0].vouchers).toEqual([expect.objectContaining({ status: 'redeemed' })]);
  });

  it('two gates scanning the same voucher at once admit it once', async () => {
    const f = await createOnSaleEvent(t);
    const drinks = await createProduct(t, f, { name: 'Drink voucher', requires_redemption: true });
    const order = await orderWith(t, f, [{ product_id: drinks.id, quantity: 1 }]);
    const [voucher] = order.body.upsells[0].vouchers;
    const gates = await Promise.all(
      ['Bar 1', 'Bar 2', 'Bar 3'].map(
        async (name) =>
          (
            await t.api.post<{ id: number }>('/api/checkin/gates', {
              event_id: f.eventId,
              name,
              accepts_vouchers: true,
            })
          ).body.id,
      ),
    );
    const verdicts = await Promise.all(
      gates.map(
        async (g) =>
          (await t.api.post<Verdict>('/api/upsells/vouchers/scan', { code: voucher.code, gate_id: g })).body.verdict,
      ),
    );
    expect(verdicts.sort()).toEqual(['already_redeemed', 'already_redeemed', 'success']);
  });

  it("gives each redeemable component of a bundle its own codes, admitted once each, cancelled with the bundle's refund", async () => {
    const f = await createOnSaleEvent(t);
    const parking = await createProduct(t, f, { name: 'Parking spot', inventory: 50, requires_redemption: true });
    const drink = await createProduct(t, f, { name: 'Drink voucher', price_minor: 600, requires_redemption: true });
    const programme = await createProduct(t, f, { name: 'Programme', price_minor: 300 });
    const bundle = await createProduct(t, f, {
      type: 'bundle',
      name: 'Night out',
      price_minor: 2500,
      bundle_items: [
        { product_id: parking.id, quantity: 1 },
        { product_id: drink.id, quantity: 2 },
        { product_id: programme.id, quantity: 1 },
      ],
    });
    const gate = await voucherGate(f.eventId);

    // Two bundles: 2 parking codes and 4 drink codes, none for the programme, which needs no redemption.
    const order = await orderWith(t, f, [{ product_id: bundle.id, quantity: 2 }]);
    expect(order.status).toBe(201);
    const [line] = order.body.upsells;
    expect(line).toMatchObject({ kind: 'bundle', status: 'paid' });
    const codesOf = (productId: number) => line.vouchers.filter((v) => v.product_id === productId);
    expect(codesOf(parking.id)).toHaveLength(2);
    expect(codesOf(drink.id)).toHaveLength(4);
    expect(line.vouchers).toHaveLength(6);
    expect(new Set(line.vouchers.map((v) => v.code)).size).toBe(6);
    expect(line.vouchers.every((v) => v.status === 'valid')).toBe(true);

    // Each code admits once, and says what it is for.
    const scan = (code: string) => t.api.post<Verdict>('/api/upsells/vouchers/scan', { code, gate_id: gate });
    for (const [productId, name] of [
      [parking.id, 'Parking spot'],
      [drink.id, 'Drink voucher'],
    ] as const) {
      for (const v of codesOf(productId)) {
        expect((await scan(v.code)).body).toMatchObject({
          verdict: 'success',
          voucher: { product_id: productId, product_name: name },
        });
        expect((await scan(v.code)).body.verdict).toBe('already_redeemed');
      }
    }

    // Another bundle, refunded unused: every one of its component codes stops admitting.
    const other = await orderWith(t, f, [{ product_id: bundle.id, quantity: 1 }]);
    const [otherLine] = other.body.upsells;
    expect(otherLine.vouchers.map((v) => v.product_id).sort()).toEqual([parking.id, drink.id, drink.id].sort());
    const refunded = await t.api.post<OrderView>(`/api/upsells/lines/${otherLine.id}/refund`, { amount_minor: 2500 });
    expect(refunded.status).toBe(200);
    expect(refunded.body.upsells[0]).toMatchObject({ status: 'refunded' });
    expect(refunded.body.upsells[0].vouchers.map((v) => v.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    for (const v of otherLine.vouchers)
      expect((await scan(v.code)).body).toMatchObject({ verdict: 'invalid', reason: 'cancelled' });

    // The used bundle cannot be refunded any more, as for a plain add-on whose voucher was used.
    const usedRefund = await t.api.post<{ code: string }>(`/api/upsells/lines/${line.id}/refund`, { amount_minor: 0 });
    expect([usedRefund.status, usedRefund.body.code]).toEqual([409, 'voucher_redeemed']);
  });
});
