import { parseRuleDefinition } from '../../domain/pricing/definitions';
import { evaluatePrice, type ActiveRule, type PricingContext, type Strategy } from '../../domain/pricing/engine';

function rule(id: number, strategy: Strategy, priority: number, json: unknown): ActiveRule {
  const parsed = parseRuleDefinition(strategy, json);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { id, strategy, priority, definition: parsed.definition };
}

const NOW = new Date('2026-05-01T10:00:00Z');
const at = (iso: string): Date => new Date(iso);

function ctx(over: Partial<PricingContext> = {}): PricingContext {
  return {
    now: NOW,
    basePriceMinor: 6000,
    currentPriceMinor: 6000,
    eventStartsAt: at('2026-06-01T19:00:00Z'),
    eventEndsAt: null,
    inventory: 200,
    sold: 0,
    sales: [],
    ...over,
  };
}

const AVAILABILITY = rule(4, 'inventory', 1, {
  thresholds: [
    { condition: 'sold >= 90%', price: 100, label: 'Last tickets' },
    { condition: 'sold >= 50%', percent: 20, label: 'Selling fast' },
  ],
  sections: { Balcony: { amount: -10 }, 'Front Row': { percent: 50 } },
  scarcity: [{ condition: 'remaining <= 10', amount: 5, label: 'Only a few left' }],
});

describe('pricing engine: inventory rules', () => {
  it.each([
    [99, null, 6000, null, null],
    [100, null, 7200, 4, 'Selling fast'],
    [179, null, 7200, 4, 'Selling fast'],
    [180, null, 10000, 4, 'Last tickets'],
    [190, null, 10500, 4, 'Only a few left'],
    [189, null, 10000, 4, 'Last tickets'],
    [0, 'Balcony', 5000, 4, undefined],
    [100, 'Balcony', 6200, 4, 'Selling fast'],
    [0, 'Front Row', 9000, 4, undefined],
    [0, 'Stalls', 6000, null, undefined],
  ])('sold %d, section %s: %d by rule %s (%s)', (sold, section, price, ruleId, label) => {
    const decision = evaluatePrice([AVAILABILITY], ctx({ sold, section }));
    expect(decision.priceMinor).toBe(price);
    expect(decision.ruleId).toBe(ruleId);
    if (label) expect(decision.label).toBe(label);
  });

  it('levels start from base_price when given', () => {
    const own = rule(5, 'inventory', 1, { base_price: 30, thresholds: [{ condition: 'sold > 0', percent: 10 }] });
    expect(evaluatePrice([own], ctx({ sold: 1 })).priceMinor).toBe(3300);
  });

  it('section names are data, not object keys', () => {
    expect(evaluatePrice([AVAILABILITY], ctx({ section: 'constructor' })).ruleId).toBeNull();
    expect(evaluatePrice([AVAILABILITY], ctx({ section: '__proto__' })).ruleId).toBeNull();
  });

  describe('flash sales', () => {
    const flash = rule(6, 'inventory', 1, {
      thresholds: [{ condition: 'sold >= 50%', price: 80 }],
      flash_sales: [
        { start: '2026-05-01T12:00:00Z', end: '2026-05-01T14:00:00Z', percent_off: 25, label: 'Lunch deal' },
        { start: '2026-05-01T13:00:00Z', end: '2026-05-01T16:00:00Z', price: 30 },
      ],
    });

    it.each([
      ['2026-05-01T11:59:59.999Z', 0, 6000, null, '2026-05-01T12:00:00.000Z'],
      ['2026-05-01T12:00:00.000Z', 0, 4500, 'Lunch deal', '2026-05-01T13:00:00.000Z'],
      ['2026-05-01T12:00:00.000Z', 100, 6000, 'Lunch deal', '2026-05-01T13:00:00.000Z'],
      ['2026-05-01T13:30:00.000Z', 0, 4500, 'Lunch deal', '2026-05-01T14:00:00.000Z'],
      ['2026-05-01T14:00:00.000Z', 0, 3000, 'Flash sale', '2026-05-01T16:00:00.000Z'],
      ['2026-05-01T15:59:59.999Z', 0, 3000, 'Flash sale', '2026-05-01T16:00:00.000Z'],
      ['2026-05-01T16:00:00.000Z', 0, 6000, null, null],
      ['2026-05-01T16:00:00.000Z', 100, 8000, null, null],
    ])('at %s with %d sold: %d (%s), next at %s', (now, sold, price, label, next) => {
      const decision = evaluatePrice([flash], ctx({ now: at(now), sold }));
      expect(decision.priceMinor).toBe(price);
      expect(decision.label ?? null).toBe(label);
      expect(decision.nextEvaluationAt?.toISOString() ?? null).toBe(next);
    });
  });

  it('a velocity condition puts the rule on the demand cadence', () => {
    const hot = rule(8, 'inventory', 1, { scarcity: [{ condition: 'sales_velocity > 10/hour', percent: 10 }] });
    const decision = evaluatePrice([hot], ctx({ demandEvaluationMs: 300_000 }));
    expect(decision).toMatchObject({ ruleId: null, nextEvaluationAt: new Date(NOW.getTime() + 300_000) });
  });
});

describe('pricing engine: manual rules and no rules', () => {
  it('a manual rule sets its price and label', () => {
    const manual = rule(2, 'manual', 5, { strategy: 'manual', price: 42.5, label: 'Press' });
    expect(evaluatePrice([manual], ctx())).toEqual({
      priceMinor: 4250,
      ruleId: 2,
      reason: 'manual: set to 42.50',
      label: 'Press',
      nextEvaluationAt: null,
    });
  });

  it('no rules: the base price', () => {
    expect(evaluatePrice([], ctx())).toEqual({
      priceMinor: 6000,
      ruleId: null,
      reason: 'base price: no active rule',
      nextEvaluationAt: null,
    });
  });
});

describe('pricing engine: priority', () => {
  const manual = (id: number, priority: number, price: number): ActiveRule => rule(id, 'manual', priority, { price });

  it('the lower priority number wins, whatever the order given', () => {
    const rules = [manual(1, 3, 30), manual(2, 1, 10), manual(3, 2, 20)];
    expect(evaluatePrice(rules, ctx())).toMatchObject({ priceMinor: 1000, ruleId: 2 });
    expect(rules.map((r) => r.id)).toEqual([1, 2, 3]); // the caller's array is not reordered
  });

  it('equal priorities go to the older rule (lower id); negative priorities come first', () => {
    expect(evaluatePrice([manual(9, 1, 90), manual(4, 1, 40)], ctx()).ruleId).toBe(4);
    expect(evaluatePrice([manual(9, 1, 90), manual(5, -1, 50)], ctx()).ruleId).toBe(5);
  });

  it('a rule that does not apply passes to the next; one that applies stops the search', () => {
    const flash = rule(1, 'inventory', 1, {
      flash_sales: [{ start: '2026-05-01T12:00:00Z', end: '2026-05-01T13:00:00Z', price: 25 }],
    });
    const earlyBird = rule(2, 'time', 2, {
      tiers: [
        { until: '2026-05-10', price: 50, label: 'Early' },
        { until: 'event', price: 70, label: 'Late' },
      ],
    });
    const demand = rule(3, 'demand', 3, {
      base_price: 60,
      min_price: 40,
      max_price: 90,
      rules: [{ condition: 'sales_velocity < 1/hour', action: 'decrease', amount: 1 }],
    });
    const rules = [demand, earlyBird, flash];
    // Before the flash sale: the time rule decides; the next look is the flash sale's start (a
    // higher-priority rule's boundary), not the demand cadence (a rule below the winner).
    const before = evaluatePrice(rules, ctx());
    expect(before).toMatchObject({ priceMinor: 5000, ruleId: 2, nextEvaluationAt: at('2026-05-01T12:00:00Z') });
    const during = evaluatePrice(rules, ctx({ now: at('2026-05-01T12:30:00Z') }));
    expect(during).toMatchObject({ priceMinor: 2500, ruleId: 1, nextEvaluationAt: at('2026-05-01T13:00:00Z') });
    const late = evaluatePrice(rules, ctx({ now: at('2026-05-20T00:00:00Z') }));
    expect(late).toMatchObject({ priceMinor: 7000, ruleId: 2, label: 'Late', nextEvaluationAt: null });
    // Without the time rule, demand decides and sets the cadence.
    const demandOnly = evaluatePrice([demand, flash], ctx({ now: at('2026-05-20T00:00:00Z') }));
    expect(demandOnly).toMatchObject({ priceMinor: 5900, ruleId: 3 });
    expect(demandOnly.nextEvaluationAt).toEqual(at('2026-05-20T00:15:00Z'));
  });

  it('a past-all-tiers time rule hands over to the rule below it', () => {
    const expired = rule(1, 'time', 1, { tiers: [{ until: '2026-01-01', price: 10, label: 'Old' }] });
    expect(evaluatePrice([expired, manual(2, 2, 55)], ctx())).toMatchObject({ priceMinor: 5500, ruleId: 2 });
  });
});
