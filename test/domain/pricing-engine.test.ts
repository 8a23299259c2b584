import { parseRuleDefinition } from '../../domain/pricing/definitions';
import { evaluatePrice, type ActiveRule, type PricingContext, type Strategy } from '../../domain/pricing/engine';

function rule(id: number, strategy: Strategy, priority: number, json: unknown): ActiveRule {
  const parsed = parseRuleDefinition(strategy, json);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { id, strategy, priority, definition: parsed.definition };
}

const HOUR = 3_600_000;
const at = (iso: string): Date => new Date(iso);
const before = (iso: string, ms = 1): Date => new Date(Date.parse(iso) - ms);

function ctx(now: Date, over: Partial<PricingContext> = {}): PricingContext {
  return {
    now,
    basePriceMinor: 4000,
    currentPriceMinor: 4000,
    eventStartsAt: at('2025-04-01T19:00:00Z'),
    eventEndsAt: null,
    inventory: 1000,
    sold: 0,
    sales: [],
    ...over,
  };
}

/** The proposal's early-bird example, as written. */
const EARLY_BIRD = {
  strategy: 'time',
  tiers: [
    { until: '2025-01-01', price: 50, label: 'Super Early Bird' },
    { until: '2025-02-01', price: 65, label: 'Early Bird' },
    { until: '2025-03-01', price: 80, label: 'Regular' },
    { until: 'event', price: 95, label: 'Door Price' },
  ],
};

/** The proposal's demand example, as written. */
const DEMAND = {
  strategy: 'demand',
  base_price: 50,
  min_price: 40,
  max_price: 100,
  rules: [
    { condition: 'sales_velocity > 50/hour', action: 'increase', amount: 5 },
    { condition: 'sales_velocity < 5/hour', action: 'decrease', amount: 3 },
    { condition: 'inventory < 10%', action: 'set', amount: 95 },
  ],
};

/** `perHour` single-ticket sales in the hour before `now`. */
function salesAt(now: Date, perHour: number): { at: Date; quantity: number }[] {
  return Array.from({ length: perHour }, (_, i) => ({
    at: new Date(now.getTime() - (HOUR * (i + 0.5)) / perHour),
    quantity: 1,
  })).reverse();
}

describe('pricing engine: the proposal early-bird example', () => {
  const earlyBird = [rule(7, 'time', 1, EARLY_BIRD)];

  it.each([
    ['2024-06-01T00:00:00Z', 5000, 'Super Early Bird', '2025-01-01T00:00:00.000Z'],
    ['2024-12-31T23:59:59.999Z', 5000, 'Super Early Bird', '2025-01-01T00:00:00.000Z'],
    ['2025-01-01T00:00:00.000Z', 6500, 'Early Bird', '2025-02-01T00:00:00.000Z'],
    ['2025-01-01T00:00:00.001Z', 6500, 'Early Bird', '2025-02-01T00:00:00.000Z'],
    ['2025-01-31T23:59:59.999Z', 6500, 'Early Bird', '2025-02-01T00:00:00.000Z'],
    ['2025-02-01T00:00:00.000Z', 8000, 'Regular', '2025-03-01T00:00:00.000Z'],
    ['2025-02-28T23:59:59.999Z', 8000, 'Regular', '2025-03-01T00:00:00.000Z'],
    ['2025-03-01T00:00:00.000Z', 9500, 'Door Price', null],
    ['2025-04-01T18:59:59.999Z', 9500, 'Door Price', null],
    ['2025-04-01T20:00:00.000Z', 9500, 'Door Price', null],
  ])('at %s: %d (%s), next look at %s', (now, price, label, next) => {
    const decision = evaluatePrice(earlyBird, ctx(at(now)));
    expect(decision).toMatchObject({ priceMinor: price, ruleId: 7, label });
    expect(decision.nextEvaluationAt?.toISOString() ?? null).toBe(next);
    expect(decision.reason).toContain(`"${label}"`);
  });

  it('reads dates in the event zone: Amsterdam midnight is 23:00 UTC the day before', () => {
    const amsterdam = { timeZone: 'Europe/Amsterdam' };
    expect(evaluatePrice(earlyBird, ctx(before('2024-12-31T23:00:00Z'), amsterdam)).priceMinor).toBe(5000);
    const atBoundary = evaluatePrice(earlyBird, ctx(at('2024-12-31T23:00:00Z'), amsterdam));
    expect(atBoundary.priceMinor).toBe(6500);
    // February 1 is still winter time; March 1 too.
    expect(atBoundary.nextEvaluationAt).toEqual(at('2025-01-31T23:00:00Z'));
  });

  it("the rule's own zone or offset wins over the event's", () => {
    const offset = [rule(1, 'time', 1, { ...EARLY_BIRD, timezone: '-05:00' })];
    expect(evaluatePrice(offset, ctx(at('2025-01-01T04:59:59Z'), { timeZone: 'Europe/Amsterdam' })).priceMinor).toBe(
      5000,
    );
    expect(evaluatePrice(offset, ctx(at('2025-01-01T05:00:00Z'), { timeZone: 'Europe/Amsterdam' })).priceMinor).toBe(
      6500,
    );
  });

  it('an unknown event zone reads as UTC rather than failing', () => {
    expect(evaluatePrice(earlyBird, ctx(at('2025-01-01T00:00:00Z'), { timeZone: 'Mars/Olympus' })).priceMinor).toBe(
      6500,
    );
  });

  it('tiers with instants switch at the instant; past the last dated tier the rule stops applying', () => {
    const dated = [
      rule(3, 'time', 1, {
        tiers: [
          { until: '2025-01-10T12:00:00+01:00', price: 20, label: 'Launch' },
          { until: '2025-01-20', price: 30, label: 'Standard' },
        ],
      }),
    ];
    expect(evaluatePrice(dated, ctx(before('2025-01-10T11:00:00Z'))).priceMinor).toBe(2000);
    expect(evaluatePrice(dated, ctx(at('2025-01-10T11:00:00Z'))).priceMinor).toBe(3000);
    expect(evaluatePrice(dated, ctx(at('2025-01-20T00:00:00Z')))).toEqual({
      priceMinor: 4000,
      ruleId: null,
      reason: 'base price: no rule applies',
      nextEvaluationAt: null,
    });
  });
});

describe('pricing engine: day-of-week, time-of-day and surges', () => {
  // 2025-01-03 is a Friday.
  const weekendEvening = rule(1, 'time', 1, {
    tiers: [{ until: 'event', price: 50, label: 'Standard' }],
    variations: [
      { days: ['fri', 'sat'], from: '18:00', to: '23:00', percent: 10, label: 'Weekend evening' },
      { days: ['sunday'], amount: -5, label: 'Sunday' },
    ],
  });

  it.each([
    ['2025-01-03T17:59:59Z', 5000, 'Standard', '2025-01-03T18:00:00.000Z'],
    ['2025-01-03T18:00:00Z', 5500, 'Weekend evening', '2025-01-03T23:00:00.000Z'],
    ['2025-01-03T22:59:59Z', 5500, 'Weekend evening', '2025-01-03T23:00:00.000Z'],
    ['2025-01-03T23:00:00Z', 5000, 'Standard', '2025-01-04T00:00:00.000Z'],
    ['2025-01-04T20:00:00Z', 5500, 'Weekend evening', '2025-01-04T23:00:00.000Z'],
    ['2025-01-05T00:00:00Z', 4500, 'Sunday', '2025-01-05T18:00:00.000Z'],
    ['2025-01-06T19:00:00Z', 5000, 'Standard', '2025-01-06T23:00:00.000Z'],
  ])('at %s: %d (%s), next at %s', (now, price, label, next) => {
    const decision = evaluatePrice([weekendEvening], ctx(at(now), { eventStartsAt: at('2025-06-01T19:00:00Z') }));
    expect(decision).toMatchObject({ priceMinor: price, label });
    expect(decision.nextEvaluationAt?.toISOString()).toBe(next);
  });

  it('a window wrapping midnight belongs to the day it starts on', () => {
    const lateFriday = [rule(1, 'time', 1, { variations: [{ days: ['fri'], from: '22:00', to: '02:00', price: 30 }] })];
    const far = { eventStartsAt: at('2025-06-01T00:00:00Z') };
    expect(evaluatePrice(lateFriday, ctx(at('2025-01-04T01:59:00Z'), far)).priceMinor).toBe(3000); // Sat 01:59
    expect(evaluatePrice(lateFriday, ctx(at('2025-01-04T02:00:00Z'), far)).ruleId).toBeNull(); // Sat 02:00
    expect(evaluatePrice(lateFriday, ctx(at('2025-01-04T22:30:00Z'), far)).ruleId).toBeNull(); // Sat 22:30
    expect(evaluatePrice(lateFriday, ctx(at('2025-01-03T22:00:00Z'), far)).priceMinor).toBe(3000); // Fri 22:00
  });

  it('without tiers, a variation applies only in its window, on the base price', () => {
    const happyHour = [
      rule(1, 'time', 1, { variations: [{ from: '16:00', to: '18:00', percent: -20, label: 'Happy hour' }] }),
    ];
    const far = { eventStartsAt: at('2025-06-01T00:00:00Z') };
    expect(evaluatePrice(happyHour, ctx(at('2025-01-06T16:30:00Z'), far))).toMatchObject({
      priceMinor: 3200,
      ruleId: 1,
    });
    const outside = evaluatePrice(happyHour, ctx(at('2025-01-06T15:00:00Z'), far));
    expect(outside).toMatchObject({ priceMinor: 4000, ruleId: null, nextEvaluationAt: at('2025-01-06T16:00:00Z') });
  });

  it('time of day follows daylight saving in the event zone', () => {
    const evening = [rule(1, 'time', 1, { variations: [{ from: '18:00', to: '23:00', amount: 10 }] })];
    const summer = { timeZone: 'Europe/Amsterdam', eventStartsAt: at('2025-12-01T00:00:00Z') };
    // 18:00 in Amsterdam is 16:00 UTC in summer (+02:00), 17:00 UTC in winter (+01:00).
    expect(evaluatePrice(evening, ctx(at('2025-07-01T15:59:00Z'), summer)).nextEvaluationAt).toEqual(
      at('2025-07-01T16:00:00Z'),
    );
    expect(evaluatePrice(evening, ctx(at('2025-07-01T16:00:00Z'), summer)).priceMinor).toBe(5000);
    expect(evaluatePrice(evening, ctx(at('2025-01-15T16:30:00Z'), summer)).ruleId).toBeNull();
    expect(evaluatePrice(evening, ctx(at('2025-01-15T17:00:00Z'), summer)).priceMinor).toBe(5000);
  });

  it('a boundary inside the spring-forward gap wakes at the transition, never late', () => {
    // 2025-03-30 in Amsterdam: 02:00 jumps to 03:00 (01:00 UTC). A window from 02:30 starts at 03:00 local.
    const night = [rule(1, 'time', 1, { variations: [{ from: '02:30', to: '05:00', amount: 1 }] })];
    const zone = { timeZone: 'Europe/Amsterdam', eventStartsAt: at('2025-12-01T00:00:00Z') };
    expect(evaluatePrice(night, ctx(at('2025-03-30T00:30:00Z'), zone)).nextEvaluationAt).toEqual(
      at('2025-03-30T01:00:00Z'),
    );
    expect(evaluatePrice(night, ctx(at('2025-03-30T01:00:00Z'), zone)).priceMinor).toBe(4100);
  });

  it('a boundary inside the fall-back overlap wakes at its first occurrence', () => {
    // 2025-10-26 in Amsterdam: 03:00 falls back to 02:00 (01:00 UTC); 02:30 happens at 00:30 and 01:30 UTC.
    const night = [rule(1, 'time', 1, { variations: [{ from: '02:30', to: '05:00', amount: 1 }] })];
    const zone = { timeZone: 'Europe/Amsterdam', eventStartsAt: at('2025-12-01T00:00:00Z') };
    expect(evaluatePrice(night, ctx(at('2025-10-26T00:00:00Z'), zone)).nextEvaluationAt).toEqual(
      at('2025-10-26T00:30:00Z'),
    );
    expect(evaluatePrice(night, ctx(at('2025-10-26T00:30:00Z'), zone)).priceMinor).toBe(4100);
  });

  it('a last-minute surge applies from N hours before the start, door sales included', () => {
    const surge = [
      rule(1, 'time', 1, { ...EARLY_BIRD, surge: { within_hours: 24, percent: 15, label: 'Last minute' } }),
    ];
    const start = '2025-04-01T19:00:00Z';
    const justBefore = evaluatePrice(surge, ctx(before(start, 24 * HOUR + 1)));
    expect(justBefore).toMatchObject({ priceMinor: 9500, label: 'Door Price' });
    expect(justBefore.nextEvaluationAt).toEqual(new Date(Date.parse(start) - 24 * HOUR));
    const atStart = evaluatePrice(surge, ctx(before(start, 24 * HOUR)));
    expect(atStart).toMatchObject({ priceMinor: 10925, label: 'Last minute', nextEvaluationAt: null });
    expect(atStart.reason).toContain('Last minute +15%');
    expect(evaluatePrice(surge, ctx(at('2025-04-01T21:00:00Z'))).priceMinor).toBe(10925);
  });

  it('a surge without tiers does not apply before its window', () => {
    const onlySurge = [rule(1, 'time', 1, { surge: { within_hours: 2, amount: 10 } })];
    expect(evaluatePrice(onlySurge, ctx(before('2025-04-01T17:00:00Z'))).ruleId).toBeNull();
    expect(evaluatePrice(onlySurge, ctx(at('2025-04-01T17:00:00Z')))).toMatchObject({ priceMinor: 5000, ruleId: 1 });
  });
});

describe('pricing engine: the proposal demand example', () => {
  const demand = [rule(9, 'demand', 1, DEMAND)];
  const now = at('2025-02-10T12:00:00Z');

  it('starts from base_price when it did not set the current price, from the current price when it did', () => {
    const fast = { sales: salesAt(now, 51), currentPriceMinor: 7000 };
    expect(evaluatePrice(demand, ctx(now, fast)).priceMinor).toBe(5500);
    expect(evaluatePrice(demand, ctx(now, { ...fast, currentRuleId: 9 })).priceMinor).toBe(7500);
  });

  it('velocity exactly 50/hour is not above 50; exactly 5/hour is not below 5: the price holds', () => {
    for (const perHour of [50, 5, 20]) {
      const decision = evaluatePrice(
        demand,
        ctx(now, { sales: salesAt(now, perHour), currentPriceMinor: 6000, currentRuleId: 9 }),
      );
      expect(decision.priceMinor).toBe(6000);
      expect(decision.reason).toBe('demand: no condition met, holding 60.00');
    }
  });

  it('decreases when slow, never below min_price', () => {
    const slow = (price: number): number =>
      evaluatePrice(demand, ctx(now, { sales: salesAt(now, 4), currentPriceMinor: price, currentRuleId: 9 }))
        .priceMinor;
    expect(slow(6000)).toBe(5700);
    expect(slow(4200)).toBe(4000);
    expect(slow(4000)).toBe(4000);
  });

  it('increases when fast, never above max_price', () => {
    const fast = (price: number): number =>
      evaluatePrice(demand, ctx(now, { sales: salesAt(now, 60), currentPriceMinor: price, currentRuleId: 9 }))
        .priceMinor;
    expect(fast(9400)).toBe(9900);
    expect(fast(9800)).toBe(10000);
  });

  it('inventory < 10% sets 95 after the velocity rules, in the order written', () => {
    const scarce = { sold: 901, currentRuleId: 9, currentPriceMinor: 6000 };
    const decision = evaluatePrice(demand, ctx(now, { ...scarce, sales: salesAt(now, 60) }));
    expect(decision.priceMinor).toBe(9500);
    expect(decision.reason).toBe('demand: "sales_velocity > 50/hour": increase 5.00; "inventory < 10%": set 95.00');
    expect(evaluatePrice(demand, ctx(now, { ...scarce, sold: 900 })).priceMinor).toBe(5700);
  });

  it('raises and lowers within bounds under simulated velocity, re-evaluating every 15 minutes', () => {
    let price = 5000;
    let ruleId: number | null = null;
    let t = now.getTime();
    const trace: number[] = [];
    for (const perHour of [80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 30, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]) {
      const when = new Date(t);
      const decision = evaluatePrice(
        demand,
        ctx(when, { sales: salesAt(when, perHour), currentPriceMinor: price, currentRuleId: ruleId }),
      );
      expect(decision.nextEvaluationAt).toEqual(new Date(t + 15 * 60_000));
      price = decision.priceMinor;
      ruleId = decision.ruleId;
      trace.push(price / 100);
      t += 15 * 60_000;
    }
    expect(trace).toEqual([
      55, 60, 65, 70, 75, 80, 85, 90, 95, 100, 100, 100, 100, 97, 94, 91, 88, 85, 82, 79, 76, 73, 70, 67,
    ]);
    expect(Math.max(...trace)).toBeLessThanOrEqual(100);
    // Slow sales long enough end at the floor and stay there.
    for (let i = 0; i < 20; i++) {
      price = evaluatePrice(demand, ctx(now, { sales: [], currentPriceMinor: price, currentRuleId: 9 })).priceMinor;
    }
    expect(price).toBe(4000);
  });

  it('a window averages velocity over it; the demand cadence comes from the settings', () => {
    const windowed = [rule(9, 'demand', 1, { ...DEMAND, window: '2h' })];
    // 60 sales in the last hour, none in the hour before: 30/hour over 2 h.
    const decision = evaluatePrice(windowed, ctx(now, { sales: salesAt(now, 60), demandEvaluationMs: 60_000 }));
    expect(decision.priceMinor).toBe(5000);
    expect(decision.nextEvaluationAt).toEqual(new Date(now.getTime() + 60_000));
  });
});
