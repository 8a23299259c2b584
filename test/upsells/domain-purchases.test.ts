import { commissionMinor, lineCommissionMinor, voucherProducts } from '../../domain/upsells/purchases';

describe('commission on upsell lines', () => {
  it('is 3% of each line, rounded per line as the bill meters it', () => {
    expect(lineCommissionMinor({ quantity: 2, unit_price_minor: 1500 })).toBe(90);
    // €12.50 twice as two lines: 37.5 rounds to 38 each, so 76, not 3% of the €25 total (75).
    expect(
      commissionMinor([
        { quantity: 1, unit_price_minor: 1250 },
        { quantity: 1, unit_price_minor: 1250 },
      ]),
    ).toBe(76);
    expect(commissionMinor([])).toBe(0);
    expect(commissionMinor([{ quantity: 1, unit_price_minor: 0 }])).toBe(0);
  });
});

describe('which products a paid line issues vouchers for', () => {
  const bundle = (requires_redemption = false) => ({
    id: 10,
    requires_redemption,
    bundle_items: [
      { product_id: 1, quantity: 1 },
      { product_id: 2, quantity: 2 },
      { product_id: 3, quantity: 1 },
    ],
  });

  it('gives a redeemable add-on one code per unit and a plain one none', () => {
    expect(voucherProducts(3, { id: 1, requires_redemption: true, bundle_items: [] }, new Set())).toEqual([1, 1, 1]);
    expect(voucherProducts(3, { id: 3, requires_redemption: false, bundle_items: [] }, new Set())).toEqual([]);
  });

  it("gives each redeemable component of a bundle its quantity times the bundle's", () => {
    expect(voucherProducts(2, bundle(), new Set([1, 2]))).toEqual([1, 1, 2, 2, 2, 2]);
    expect(voucherProducts(1, bundle(), new Set())).toEqual([]);
    // A bundle that needs redemption itself keeps its own code per unit too.
    expect(voucherProducts(1, bundle(true), new Set([2]))).toEqual([10, 2, 2]);
  });

  it('ignores ticket types in a bundle (tickets have codes of their own)', () => {
    const withTicket = { id: 11, requires_redemption: false, bundle_items: [{ ticket_type_id: 5, quantity: 1 }] };
    expect(voucherProducts(2, withTicket, new Set([5]))).toEqual([]);
  });
});
