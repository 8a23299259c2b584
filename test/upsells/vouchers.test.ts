import { createHarness, type Harness } from '../helpers/harness';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createProduct, orderWith } from './purchases-helpers';

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
  voucher: { product_name: string } | null;
}

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
});
