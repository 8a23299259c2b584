import { buildModel, lift, recommend, type ItemKey } from '../../domain/upsells/recommendations';
import { evaluateHoldout, type Purchase } from '../../domain/upsells/recommendations-eval';

const noCategory = () => null;
const ctx = (current: ItemKey[], history: ItemKey[] = []) => ({
  current,
  history,
  category: null,
  categoryOf: noCategory,
});

describe('recommendations', () => {
  // Rock fans buy e1 and e2 (and parking p9); everyone buys the big festival e3.
  const baskets: ItemKey[][] = [
    ['e1', 'e2', 'p9', 'e3'],
    ['e1', 'e2', 'e3'],
    ['e1', 'e2', 'p9'],
    ['e3', 'e4'],
    ['e3', 'e4'],
    ['e3'],
  ];
  const m = buildModel(baskets);

  it('ranks what is bought together above what is merely popular (lift, not counts)', () => {
    expect(lift(m, 'e1', 'e2')).toBeCloseTo(2);
    expect(lift(m, 'e1', 'e3')).toBeCloseTo((2 * 6) / (3 * 5));
    const top = recommend(m, ctx(['e1']), ['e2', 'e3', 'e4', 'p9'], 3);
    expect(top.map((r) => r.item)).toEqual(['e2', 'p9', 'e3']);
    expect(top[0].reason).toBe('co_purchase');
  });

  it('never recommends what the customer has or is buying, and blends in their history', () => {
    const top = recommend(m, ctx(['e4'], ['e1']), ['e1', 'e2', 'e3', 'e4'], 5);
    expect(top.map((r) => r.item)).toEqual(['e3', 'e2']);
    // e2 goes with e1, which the customer bought before: without that history it is merely popular.
    expect(top[1].reason).toBe('co_purchase');
    expect(recommend(m, ctx(['e4']), ['e2'], 1)[0].reason).toBe('popular');
  });

  it('falls back to popularity and the event category on a cold start', () => {
    expect(recommend(buildModel([]), ctx([]), ['e1', 'e2'], 2).map((r) => r.reason)).toEqual(['popular', 'popular']);
    expect(recommend(m, ctx([]), ['e1', 'e3', 'e4'], 3).map((r) => r.item)).toEqual(['e3', 'e1', 'e4']);
    const categories: Record<string, string> = { e7: 'jazz', e4: 'jazz' };
    const jazz = recommend(
      m,
      { current: ['e7'], history: [], category: 'jazz', categoryOf: (i) => categories[i] },
      ['e3', 'e4'],
      2,
    );
    expect(jazz.map((r) => [r.item, r.reason])).toEqual([
      ['e4', 'category'],
      ['e3', 'popular'],
    ]);
  });

  it("evaluates precision@5 on each customer's held-out latest event", () => {
    // Two taste groups of 6 events; each customer buys 4 of their group's, the last one held out.
    const purchases: Purchase[] = [];
    for (let c = 0; c < 60; c++) {
      const group = c % 2 ? [1, 2, 3, 4, 5, 6] : [11, 12, 13, 14, 15, 16];
      for (let i = 0; i < 4; i++) purchases.push({ customerId: c, item: `e${group[(c + i) % 6]}`, at: i });
    }
    const result = evaluateHoldout(purchases, noCategory);
    expect(result.customers_evaluated).toBe(60);
    // The held-out event is among the 3 left of the group, which outrank the other group's 6: always in the top 5.
    expect(result.precision_at_5).toBeCloseTo(0.2);
  });
});
