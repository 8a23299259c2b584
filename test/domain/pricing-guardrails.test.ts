import {
  DEFAULT_GUARDRAILS,
  applyGuardrails,
  type GuardrailInput,
  type PricingGuardrails,
} from '../../domain/pricing/guardrails';
import {
  DEFAULT_DEMAND_EVALUATION_MINUTES,
  DEFAULT_QUOTE_TTL_SECONDS,
  PricingSettingsSchema,
  guardrailsOf,
} from '../../domain/pricing/settings';

const NOW = new Date('2026-06-01T12:00:00Z');
const MINUTE = 60_000;

function input(
  over: Partial<Omit<GuardrailInput, 'guardrails'>>,
  guardrails: Partial<PricingGuardrails> = {},
): GuardrailInput {
  return {
    proposedMinor: 5000,
    currentMinor: 5000,
    now: NOW,
    guardrails: { ...DEFAULT_GUARDRAILS, ...guardrails },
    priceAtStartOfDayMinor: 5000,
    lastChangeAt: null,
    lowest30dMinor: 4000,
    ...over,
  };
}

describe('pricing guardrails: each limit alone', () => {
  it('without guardrails the proposal passes untouched', () => {
    expect(applyGuardrails(input({ proposedMinor: 9999 }))).toEqual({
      priceMinor: 9999,
      changed: true,
      limitedBy: [],
      retryAt: null,
      lowest30dMinor: null,
    });
    expect(applyGuardrails(input({ proposedMinor: 5000 }))).toMatchObject({ changed: false, limitedBy: [] });
  });

  it('floor: a proposal below it is raised to it; at it passes', () => {
    expect(applyGuardrails(input({ proposedMinor: 2999 }, { floorMinor: 3000 }))).toMatchObject({
      priceMinor: 3000,
      limitedBy: ['floor'],
    });
    expect(applyGuardrails(input({ proposedMinor: 3000 }, { floorMinor: 3000 })).limitedBy).toEqual([]);
  });

  it('cap: a proposal above it is lowered to it; at it passes', () => {
    expect(applyGuardrails(input({ proposedMinor: 12001 }, { capMinor: 12000 }))).toMatchObject({
      priceMinor: 12000,
      limitedBy: ['cap'],
    });
    expect(applyGuardrails(input({ proposedMinor: 12000 }, { capMinor: 12000 })).limitedBy).toEqual([]);
  });

  it('never decrease holds the current price against a lower proposal, lets rises through', () => {
    expect(applyGuardrails(input({ proposedMinor: 4999 }, { neverDecrease: true }))).toMatchObject({
      priceMinor: 5000,
      changed: false,
      limitedBy: ['never_decrease'],
      lowest30dMinor: null,
    });
    expect(applyGuardrails(input({ proposedMinor: 5001 }, { neverDecrease: true }))).toMatchObject({
      priceMinor: 5001,
      limitedBy: [],
    });
  });

  it('max change per day bounds the move around the price 24 hours earlier, exactly at the edge', () => {
    const g = { maxChangePerDayPercent: 10 };
    expect(applyGuardrails(input({ proposedMinor: 5500 }, g))).toMatchObject({ priceMinor: 5500, limitedBy: [] });
    expect(applyGuardrails(input({ proposedMinor: 5501 }, g))).toMatchObject({
      priceMinor: 5500,
      limitedBy: ['max_change_per_day'],
    });
    expect(applyGuardrails(input({ proposedMinor: 4500 }, g))).toMatchObject({ priceMinor: 4500, limitedBy: [] });
    expect(applyGuardrails(input({ proposedMinor: 1000 }, g))).toMatchObject({
      priceMinor: 4500,
      limitedBy: ['max_change_per_day'],
    });
  });

  it('the daily band is cumulative: two rises in one day share it', () => {
    const g = { maxChangePerDayPercent: 10 };
    // Already raised to 53.00 today from 50.00: only 2.00 more fits.
    expect(applyGuardrails(input({ currentMinor: 5300, proposedMinor: 5800 }, g))).toMatchObject({
      priceMinor: 5500,
      limitedBy: ['max_change_per_day'],
    });
  });

  it('a price already outside the band may stay or move back, never further out', () => {
    const g = { maxChangePerDayPercent: 10 };
    expect(applyGuardrails(input({ currentMinor: 7000, proposedMinor: 7000 }, g))).toMatchObject({
      priceMinor: 7000,
      changed: false,
      limitedBy: [],
    });
    expect(applyGuardrails(input({ currentMinor: 7000, proposedMinor: 7500 }, g))).toMatchObject({
      priceMinor: 7000,
      changed: false,
    });
    expect(applyGuardrails(input({ currentMinor: 7000, proposedMinor: 6000 }, g))).toMatchObject({
      priceMinor: 6000,
      limitedBy: [],
    });
  });

  it('a fractional percentage rounds inwards to whole cents', () => {
    // 12.5% of 33.33 is 4.16625: the band is [29.17, 37.49].
    const g = { maxChangePerDayPercent: 12.5 };
    const base = { currentMinor: 3333, priceAtStartOfDayMinor: 3333 };
    expect(applyGuardrails(input({ ...base, proposedMinor: 9999 }, g)).priceMinor).toBe(3749);
    expect(applyGuardrails(input({ ...base, proposedMinor: 1 }, g)).priceMinor).toBe(2917);
  });

  it('min interval holds the price until lastChangeAt + interval, then lets it change', () => {
    const g = { minIntervalMs: 30 * MINUTE };
    const justBefore = input({ proposedMinor: 6000, lastChangeAt: new Date(NOW.getTime() - 30 * MINUTE + 1) }, g);
    expect(applyGuardrails(justBefore)).toEqual({
      priceMinor: 5000,
      changed: false,
      limitedBy: ['min_interval'],
      retryAt: new Date(NOW.getTime() + 1),
      lowest30dMinor: null,
    });
    const exactly = input({ proposedMinor: 6000, lastChangeAt: new Date(NOW.getTime() - 30 * MINUTE) }, g);
    expect(applyGuardrails(exactly)).toMatchObject({ priceMinor: 6000, changed: true, retryAt: null, limitedBy: [] });
    expect(applyGuardrails(input({ proposedMinor: 6000, lastChangeAt: null }, g)).priceMinor).toBe(6000);
  });

  it('min interval does not report a limit when nothing would change', () => {
    const g = { minIntervalMs: 30 * MINUTE };
    expect(applyGuardrails(input({ proposedMinor: 5000, lastChangeAt: NOW }, g))).toMatchObject({
      limitedBy: [],
      retryAt: null,
    });
  });
});

describe('pricing guardrails: combinations', () => {
  it('floor and cap win over the daily band (absolute bounds)', () => {
    const g = { maxChangePerDayPercent: 10, floorMinor: 6000 };
    expect(applyGuardrails(input({ proposedMinor: 5000 }, g))).toMatchObject({
      priceMinor: 6000,
      limitedBy: ['floor'],
    });
    const capped = { maxChangePerDayPercent: 10, capMinor: 5200 };
    expect(applyGuardrails(input({ proposedMinor: 9000 }, capped))).toMatchObject({
      priceMinor: 5200,
      limitedBy: ['max_change_per_day', 'cap'],
    });
  });

  it('never decrease, then the band: a steep fall is held at the current price', () => {
    const g = { neverDecrease: true, maxChangePerDayPercent: 10 };
    expect(applyGuardrails(input({ proposedMinor: 1000 }, g))).toMatchObject({
      priceMinor: 5000,
      limitedBy: ['never_decrease'],
    });
  });

  it('the cap wins over never decrease when the current price is above it', () => {
    const g = { neverDecrease: true, capMinor: 4500 };
    expect(applyGuardrails(input({ proposedMinor: 4000 }, g))).toMatchObject({
      priceMinor: 4500,
      changed: true,
      limitedBy: ['never_decrease', 'cap'],
      lowest30dMinor: 4000,
    });
  });

  it('during the min interval, a floor or cap still applies at once; the rest waits', () => {
    const g = { minIntervalMs: 60 * MINUTE, floorMinor: 5500 };
    const outcome = applyGuardrails(input({ proposedMinor: 7000, lastChangeAt: NOW }, g));
    expect(outcome).toMatchObject({ priceMinor: 5500, changed: true, limitedBy: ['min_interval'] });
    expect(outcome.retryAt).toEqual(new Date(NOW.getTime() + 60 * MINUTE));
  });

  it('a rule asking for far more is held by every guardrail at once', () => {
    const g: Partial<PricingGuardrails> = { capMinor: 8000, maxChangePerDayPercent: 20, minIntervalMs: 0 };
    let current = 5000;
    const dayStart = 5000;
    for (let step = 0; step < 5; step++) {
      const outcome = applyGuardrails(
        input({ proposedMinor: 100_000, currentMinor: current, priceAtStartOfDayMinor: dayStart }, g),
      );
      expect(outcome.priceMinor).toBeLessThanOrEqual(6000);
      current = outcome.priceMinor;
    }
    expect(current).toBe(6000);
  });
});

describe('pricing guardrails: Omnibus lowest price of the prior 30 days', () => {
  it('is passed through with every reduction and only then', () => {
    expect(applyGuardrails(input({ proposedMinor: 4500, lowest30dMinor: 3900 })).lowest30dMinor).toBe(3900);
    expect(applyGuardrails(input({ proposedMinor: 5500, lowest30dMinor: 3900 })).lowest30dMinor).toBeNull();
    expect(applyGuardrails(input({ proposedMinor: 5000, lowest30dMinor: 3900 })).lowest30dMinor).toBeNull();
  });

  it('follows the final price: a reduction the floor turns into a smaller one still carries it', () => {
    const outcome = applyGuardrails(input({ proposedMinor: 1000, lowest30dMinor: 4200 }, { floorMinor: 4800 }));
    expect(outcome).toMatchObject({ priceMinor: 4800, lowest30dMinor: 4200 });
  });
});

describe('pricing settings', () => {
  it('accepts {} and every key; converts to guardrails with defaults', () => {
    expect(PricingSettingsSchema.parse({})).toEqual({});
    expect(guardrailsOf({})).toEqual(DEFAULT_GUARDRAILS);
    const settings = PricingSettingsSchema.parse({
      floor_minor: 1000,
      cap_minor: 20000,
      max_change_per_day_percent: 15,
      never_decrease: true,
      min_interval_minutes: 30,
      demand_evaluation_minutes: 5,
      quote_ttl_seconds: 600,
    });
    expect(guardrailsOf(settings)).toEqual({
      floorMinor: 1000,
      capMinor: 20000,
      maxChangePerDayPercent: 15,
      neverDecrease: true,
      minIntervalMs: 30 * MINUTE,
    });
    expect([DEFAULT_DEMAND_EVALUATION_MINUTES, DEFAULT_QUOTE_TTL_SECONDS]).toEqual([15, 900]);
  });

  it.each([
    [{ floor_minor: '10' }, 'floor_minor'],
    [{ floor_minor: 10.5 }, 'floor_minor'],
    [{ cap_minor: -1 }, 'cap_minor'],
    [{ never_decrease: 'yes' }, 'never_decrease'],
    [{ demand_evaluation_minutes: 0 }, 'demand_evaluation_minutes'],
    [{ quote_ttl_seconds: 5 }, 'quote_ttl_seconds'],
    [{ floor_minor: 5000, cap_minor: 4000 }, 'cap_minor'],
    [{ surprise: 1 }, ''],
  ])('refuses %j at %s', (value, path) => {
    const result = PricingSettingsSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
