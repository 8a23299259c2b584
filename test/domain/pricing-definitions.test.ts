import { parseRuleDefinition, type DefinitionError } from '../../domain/pricing/definitions';
import type { Strategy } from '../../domain/pricing/engine';

function errorsOf(strategy: Strategy, json: unknown): DefinitionError[] {
  const result = parseRuleDefinition(strategy, json);
  if (result.ok) throw new Error('parsed');
  return result.errors;
}

function paths(strategy: Strategy, json: unknown): string[] {
  return errorsOf(strategy, json).map((e) => e.path);
}

describe('pricing rule definitions: the proposal examples, as written', () => {
  it('early bird: major units become minor units, dates stay calendar dates, "event" last', () => {
    const result = parseRuleDefinition('time', {
      strategy: 'time',
      tiers: [
        { until: '2025-01-01', price: 50, label: 'Super Early Bird' },
        { until: '2025-02-01', price: 65, label: 'Early Bird' },
        { until: '2025-03-01', price: 80, label: 'Regular' },
        { until: 'event', price: 95, label: 'Door Price' },
      ],
    });
    expect(result).toEqual({
      ok: true,
      definition: {
        strategy: 'time',
        zone: null,
        tiers: [
          {
            until: { kind: 'date', year: 2025, month: 1, day: 1 },
            untilText: '2025-01-01',
            priceMinor: 5000,
            label: 'Super Early Bird',
          },
          {
            until: { kind: 'date', year: 2025, month: 2, day: 1 },
            untilText: '2025-02-01',
            priceMinor: 6500,
            label: 'Early Bird',
          },
          {
            until: { kind: 'date', year: 2025, month: 3, day: 1 },
            untilText: '2025-03-01',
            priceMinor: 8000,
            label: 'Regular',
          },
          { until: { kind: 'event' }, untilText: 'the event', priceMinor: 9500, label: 'Door Price' },
        ],
        variations: [],
        surge: null,
      },
    });
  });

  it('demand: bounds and amounts in minor units, conditions as ASTs with their source', () => {
    const result = parseRuleDefinition('demand', {
      strategy: 'demand',
      base_price: 50,
      min_price: 40,
      max_price: 100,
      rules: [
        { condition: 'sales_velocity > 50/hour', action: 'increase', amount: 5 },
        { condition: 'sales_velocity < 5/hour', action: 'decrease', amount: 3 },
        { condition: 'inventory < 10%', action: 'set', amount: 95 },
      ],
    });
    expect(result).toEqual({
      ok: true,
      definition: {
        strategy: 'demand',
        basePriceMinor: 5000,
        minPriceMinor: 4000,
        maxPriceMinor: 10000,
        windowMs: null,
        rules: [
          {
            condition: { kind: 'velocity', op: '>', perUnit: 50, unit: 'hour', unitMs: 3_600_000 },
            source: 'sales_velocity > 50/hour',
            action: 'increase',
            amountMinor: 500,
            windowMs: null,
          },
          {
            condition: { kind: 'velocity', op: '<', perUnit: 5, unit: 'hour', unitMs: 3_600_000 },
            source: 'sales_velocity < 5/hour',
            action: 'decrease',
            amountMinor: 300,
            windowMs: null,
          },
          {
            condition: { kind: 'stock', metric: 'remaining', op: '<', value: 10, percent: true },
            source: 'inventory < 10%',
            action: 'set',
            amountMinor: 9500,
            windowMs: null,
          },
        ],
      },
    });
  });
});

describe('pricing rule definitions: the other shapes', () => {
  it('time with zone, variations and a surge', () => {
    const result = parseRuleDefinition('time', {
      timezone: 'Europe/Amsterdam',
      tiers: [{ until: '2026-01-01T12:00:00+01:00', price: 19.99, label: 'Launch' }],
      variations: [{ days: ['Saturday', 'fri', 'sat'], from: '18:00', to: '24:00', percent: 10 }],
      surge: { within_hours: 1.5, amount: 2.5, label: 'Last minute' },
    });
    expect(result.ok && result.definition).toEqual({
      strategy: 'time',
      zone: { kind: 'iana', name: 'Europe/Amsterdam' },
      tiers: [
        {
          until: { kind: 'instant', atMs: Date.parse('2026-01-01T11:00:00Z') },
          untilText: '2026-01-01T11:00:00.000Z',
          priceMinor: 1999,
          label: 'Launch',
        },
      ],
      variations: [
        { days: [5, 6], fromMinute: 1080, toMinute: 1440, adjustment: { kind: 'percent', percent: 10 }, label: null },
      ],
      surge: { withinMs: 5_400_000, adjustment: { kind: 'amount', deltaMinor: 250 }, label: 'Last minute' },
    });
  });

  it.each([
    ['+05:30', { kind: 'offset', minutes: 330 }],
    ['-03:00', { kind: 'offset', minutes: -180 }],
    ['Z', { kind: 'offset', minutes: 0 }],
    ['UTC', { kind: 'offset', minutes: 0 }],
  ])('time zone %s', (timezone, zone) => {
    const result = parseRuleDefinition('time', { timezone, surge: { within_hours: 2, percent: 5 } });
    expect(result.ok && result.definition.strategy === 'time' && result.definition.zone).toEqual(zone);
  });

  it('inventory with sections as a map and the velocity flag', () => {
    const result = parseRuleDefinition('inventory', {
      sections: { VIP: { price: 150 } },
      scarcity: [{ condition: 'remaining < 5 or sales_velocity > 3/minute', percent: 5 }],
      flash_sales: [{ start: '2026-05-01T12:00:00Z', end: '2026-05-01T13:00:00Z', percent_off: 25 }],
    });
    if (!result.ok || result.definition.strategy !== 'inventory') throw new Error('not parsed');
    expect(result.definition.sections).toEqual(new Map([['VIP', { kind: 'set', priceMinor: 15000 }]]));
    expect(result.definition.usesVelocity).toBe(true);
    expect(result.definition.flashSales[0]).toEqual({
      startMs: Date.parse('2026-05-01T12:00:00Z'),
      endMs: Date.parse('2026-05-01T13:00:00Z'),
      priceMinor: null,
      percentOff: 25,
      label: 'Flash sale',
    });
  });

  it('manual', () => {
    expect(parseRuleDefinition('manual', { price: 0.5 })).toEqual({
      ok: true,
      definition: { strategy: 'manual', priceMinor: 50, label: null },
    });
  });
});

describe('pricing rule definitions: errors', () => {
  it('a bad condition reports its path, message and token position', () => {
    expect(
      errorsOf('demand', {
        base_price: 50,
        min_price: 40,
        max_price: 100,
        rules: [
          { condition: 'sales_velocity > 50/hour', action: 'increase', amount: 5 },
          { condition: 'sales_velocity > 50 per hour', action: 'increase', amount: 5 },
        ],
      }),
    ).toEqual([
      { path: 'rules[1].condition', message: "sales_velocity needs a rate such as 50/hour, got 'per'", position: 20 },
    ]);
    expect(errorsOf('inventory', { thresholds: [{ condition: 'sold >= 80% and', price: 1 }] })).toEqual([
      {
        path: 'thresholds[0].condition',
        message: 'expected a metric (sales_velocity, sold, remaining, inventory), got the end of the condition',
        position: 15,
      },
    ]);
  });

  it('reports the field errors of one object together', () => {
    expect(
      paths('demand', {
        base_price: '50',
        min_price: 40.001,
        max_price: 100,
        rules: [{ condition: 'nope', action: 'double', amount: -1, extra: true }],
      }),
    ).toEqual(['base_price', 'min_price', 'rules[0].condition', 'rules[0].action', 'rules[0].amount', 'rules[0]']);
  });

  it.each([
    ['time', null, ''],
    ['time', [], ''],
    ['time', {}, ''],
    ['time', { strategy: 'demand', surge: { within_hours: 1, percent: 1 } }, 'strategy'],
    ['time', { tiers: [] }, 'tiers'],
    [
      'time',
      {
        tiers: [
          { until: 'event', price: 1, label: 'A' },
          { until: '2025-01-01', price: 2, label: 'B' },
        ],
      },
      'tiers[0].until',
    ],
    [
      'time',
      {
        tiers: [
          { until: '2025-02-01', price: 1, label: 'A' },
          { until: '2025-01-01', price: 2, label: 'B' },
        ],
      },
      'tiers[1].until',
    ],
    [
      'time',
      {
        tiers: [
          { until: '2025-01-01', price: 1, label: 'A' },
          { until: '2025-01-01', price: 2, label: 'B' },
        ],
      },
      'tiers[1].until',
    ],
    ['time', { tiers: [{ until: '2025-02-30', price: 1, label: 'A' }] }, 'tiers[0].until'],
    ['time', { tiers: [{ until: '2025-01-01T00:00:00', price: 1, label: 'A' }] }, 'tiers[0].until'],
    ['time', { tiers: [{ until: 'tomorrow', price: 1, label: 'A' }] }, 'tiers[0].until'],
    ['time', { tiers: [{ until: 'event', price: 1, label: ' ' }] }, 'tiers[0].label'],
    ['time', { tiers: [{ until: 'event', price: -1, label: 'A' }] }, 'tiers[0].price'],
    ['time', { tiers: [{ until: 'event', price: 1e9, label: 'A' }] }, 'tiers[0].price'],
    ['time', { timezone: 'Mars/Olympus', surge: { within_hours: 1, percent: 1 } }, 'timezone'],
    ['time', { timezone: '+15:00', surge: { within_hours: 1, percent: 1 } }, 'timezone'],
    ['time', { variations: [{ from: '18:00', percent: 5 }] }, 'variations[0].to'],
    ['time', { variations: [{ from: '18:00', to: '18:00', percent: 5 }] }, 'variations[0].to'],
    ['time', { variations: [{ from: '25:00', to: '26:00', percent: 5 }] }, 'variations[0].from'],
    ['time', { variations: [{ days: ['funday'], percent: 5 }] }, 'variations[0].days[0]'],
    ['time', { variations: [{ percent: 5 }] }, 'variations[0]'],
    ['time', { variations: [{ days: ['mon'], percent: 5, amount: 1 }] }, 'variations[0]'],
    ['time', { variations: [{ days: ['mon'] }] }, 'variations[0]'],
    ['time', { surge: { within_hours: 0, percent: 5 } }, 'surge.within_hours'],
    [
      'demand',
      { base_price: 50, min_price: 60, max_price: 55, rules: [{ condition: 'sold > 1', action: 'set', amount: 1 }] },
      'max_price',
    ],
    [
      'demand',
      { base_price: 30, min_price: 40, max_price: 100, rules: [{ condition: 'sold > 1', action: 'set', amount: 1 }] },
      'base_price',
    ],
    ['demand', { base_price: 50, min_price: 40, max_price: 100, rules: [] }, 'rules'],
    [
      'demand',
      {
        base_price: 50,
        min_price: 40,
        max_price: 100,
        window: '2w',
        rules: [{ condition: 'sold > 1', action: 'set', amount: 1 }],
      },
      'window',
    ],
    ['inventory', {}, ''],
    ['inventory', { sections: { A: { price: 1, percent: 2 } } }, 'sections.A'],
    ['inventory', { sections: { 'Front Row': 12 } }, 'sections["Front Row"]'],
    [
      'inventory',
      { flash_sales: [{ start: '2026-05-01T13:00:00Z', end: '2026-05-01T12:00:00Z', price: 1 }] },
      'flash_sales[0].end',
    ],
    ['inventory', { flash_sales: [{ start: '2026-05-01T12:00:00Z', end: '2026-05-01T13:00:00Z' }] }, 'flash_sales[0]'],
    [
      'inventory',
      { flash_sales: [{ start: '2026-05-01T12:00:00Z', end: '2026-05-01T13:00:00Z', percent_off: 101 }] },
      'flash_sales[0].percent_off',
    ],
    ['manual', { price: 10, extra: 1 }, ''],
    ['manual', { price: 10.005 }, 'price'],
  ] as [Strategy, unknown, string][])('%s %j fails at %j', (strategy, json, path) => {
    expect(paths(strategy, json)).toContain(path);
  });
});
