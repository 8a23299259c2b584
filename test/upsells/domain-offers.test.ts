import { conditionErrors, rankOffers, type CandidateProduct, type OfferFacts } from '../../domain/upsells/offers';

const facts = (over: Partial<OfferFacts> = {}): OfferFacts => ({
  now: new Date('2026-06-01T12:00:00Z'),
  location: 'cart',
  cart: new Map([[1, 2]]),
  cartValueMinor: 8000,
  segmentIds: new Set(),
  ...over,
});
const product = (id: number, over: Partial<CandidateProduct> = {}): CandidateProduct => ({
  id,
  event_id: 7,
  type: 'addon',
  display_in: 'all',
  sale_starts_at: null,
  sale_ends_at: null,
  available: null,
  upgrade_ticket_type_id: null,
  rules: [],
  ...over,
});
const ids = (products: CandidateProduct[], f = facts(), limit = 10) =>
  rankOffers(products, f, limit).map((o) => o.product.id);

describe('rankOffers', () => {
  it('ranks by the best matching rule, lower priority numbers first', () => {
    const products = [
      product(1, { rules: [{ id: 11, rule_type: 'always', conditions: {}, priority: 50 }] }),
      product(2, {
        rules: [
          { id: 21, rule_type: 'always', conditions: {}, priority: 90 },
          { id: 22, rule_type: 'ticket_type', conditions: { ticket_type_ids: [1] }, priority: 10 },
        ],
      }),
      product(3, { rules: [{ id: 31, rule_type: 'ticket_type', conditions: { ticket_type_ids: [9] }, priority: 1 }] }),
    ];
    const ranked = rankOffers(products, facts(), 10);
    expect(ranked.map((o) => [o.product.id, o.ruleId])).toEqual([
      [2, 22],
      [1, 11],
    ]);
  });

  it('matches cart values within bounds and segments of the customer', () => {
    const cartRule = (id: number, min?: number, max?: number) =>
      product(id, {
        rules: [{ id, rule_type: 'cart_value', conditions: { min_cart_minor: min, max_cart_minor: max }, priority: 1 }],
      });
    expect(ids([cartRule(1, 8000), cartRule(2, 8001), cartRule(3, undefined, 8000), cartRule(4, 0, 7999)])).toEqual([
      1, 3,
    ]);
    const seg = product(5, {
      rules: [{ id: 5, rule_type: 'customer_segment', conditions: { segment_ids: [4] }, priority: 1 }],
    });
    expect(ids([seg])).toEqual([]);
    expect(ids([seg], facts({ segmentIds: new Set([4]) }))).toEqual([5]);
  });

  it('leaves out products of another location, outside their sale window or sold out', () => {
    const f = facts();
    const products = [
      product(1, { display_in: 'checkout' }),
      product(2, { display_in: 'cart' }),
      product(3, { sale_starts_at: new Date('2026-06-02T00:00:00Z') }),
      product(4, { sale_ends_at: new Date('2026-06-01T12:00:00Z') }),
      product(5, { available: 0 }),
      product(6, { available: 1 }),
    ];
    expect(ids(products, f)).toEqual([2, 6]);
  });

  it('offers an upgrade only for a ticket of another type than its target', () => {
    const upgrade = product(1, { type: 'upgrade', upgrade_ticket_type_id: 1 });
    expect(ids([upgrade])).toEqual([]);
    expect(ids([upgrade], facts({ cart: new Map([[2, 1]]) }))).toEqual([1]);
  });

  it("breaks ties by the event's own product, a targeted rule, then age; and cuts at the limit", () => {
    const products = [
      product(1, { event_id: null }),
      product(2, { rules: [{ id: 20, rule_type: 'always', conditions: {}, priority: 100 }] }),
      product(3, {
        rules: [{ id: 30, rule_type: 'ticket_type', conditions: { ticket_type_ids: [1] }, priority: 100 }],
      }),
    ];
    expect(ids(products)).toEqual([3, 2, 1]);
    expect(ids(products, facts(), 2)).toEqual([3, 2]);
  });
});

describe('conditionErrors', () => {
  it('asks each rule type for its own conditions only', () => {
    expect(conditionErrors('always', {})).toEqual([]);
    expect(conditionErrors('always', { segment_ids: [1] }).map((e) => e.path)).toEqual(['body.conditions.segment_ids']);
    expect(conditionErrors('ticket_type', {}).map((e) => e.path)).toEqual(['body.conditions.ticket_type_ids']);
    expect(conditionErrors('cart_value', {})).toHaveLength(1);
    expect(conditionErrors('cart_value', { min_cart_minor: 5, max_cart_minor: 4 }).map((e) => e.path)).toEqual([
      'body.conditions.max_cart_minor',
    ]);
  });
});
