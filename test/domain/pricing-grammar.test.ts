import { holds, type SalesFacts } from '../../domain/pricing/conditions';
import { parseCondition, type Condition } from '../../domain/pricing/grammar';

function parsed(text: string): Condition {
  const result = parseCondition(text);
  if (!result.ok) throw new Error(`${text}: ${result.error.message} at ${result.error.position}`);
  return result.condition;
}

function failure(text: string): { message: string; position: number } {
  const result = parseCondition(text);
  if (result.ok) throw new Error(`${text} parsed`);
  return result.error;
}

const NOW = Date.parse('2026-06-01T12:00:00Z');

function facts(over: Partial<SalesFacts> = {}): SalesFacts {
  return { nowMs: NOW, inventory: 100, sold: 0, sales: [], memoWindowMs: -1, memoCount: 0, ...over };
}

/** `count` single-ticket sales spread evenly over the `spanMs` before NOW (the newest at NOW). */
function salesOver(count: number, spanMs: number): { at: Date; quantity: number }[] {
  return Array.from({ length: count }, (_, i) => ({ at: new Date(NOW - (spanMs * i) / count), quantity: 1 })).reverse();
}

describe('pricing condition grammar: what parses', () => {
  it.each([
    ['sales_velocity > 50/hour', { kind: 'velocity', op: '>', perUnit: 50, unit: 'hour', unitMs: 3_600_000 }],
    ['sales_velocity < 5/hour', { kind: 'velocity', op: '<', perUnit: 5, unit: 'hour', unitMs: 3_600_000 }],
    ['sales_velocity >= 200/day', { kind: 'velocity', op: '>=', perUnit: 200, unit: 'day', unitMs: 86_400_000 }],
    ['sales_velocity<=2.5/minute', { kind: 'velocity', op: '<=', perUnit: 2.5, unit: 'minute', unitMs: 60_000 }],
    ['SALES_VELOCITY > 1 / H', { kind: 'velocity', op: '>', perUnit: 1, unit: 'hour', unitMs: 3_600_000 }],
    ['inventory < 10%', { kind: 'stock', metric: 'remaining', op: '<', value: 10, percent: true }],
    ['sold >= 80%', { kind: 'stock', metric: 'sold', op: '>=', value: 80, percent: true }],
    ['remaining <= 20', { kind: 'stock', metric: 'remaining', op: '<=', value: 20, percent: false }],
    ['sold == 100', { kind: 'stock', metric: 'sold', op: '=', value: 100, percent: false }],
    ['sold != 0', { kind: 'stock', metric: 'sold', op: '!=', value: 0, percent: false }],
    ['remaining = 12.5%', { kind: 'stock', metric: 'remaining', op: '=', value: 12.5, percent: true }],
  ])('%s', (text, ast) => {
    expect(parsed(text)).toEqual(ast);
  });

  it('and binds tighter than or; parentheses regroup', () => {
    expect(parsed('sold > 10 or sold > 20 and remaining < 5')).toEqual({
      kind: 'or',
      conditions: [
        { kind: 'stock', metric: 'sold', op: '>', value: 10, percent: false },
        {
          kind: 'and',
          conditions: [
            { kind: 'stock', metric: 'sold', op: '>', value: 20, percent: false },
            { kind: 'stock', metric: 'remaining', op: '<', value: 5, percent: false },
          ],
        },
      ],
    });
    const grouped = parsed('(sold > 10 OR sold > 20) AND remaining < 5');
    expect(grouped.kind).toBe('and');
    expect(parsed('((sold > 1))')).toEqual(parsed('sold > 1'));
  });
});

describe('pricing condition grammar: errors point at the offending token', () => {
  it.each([
    ['', 0, 'empty'],
    ['   ', 0, 'empty'],
    ['price > 5', 0, 'expected a metric'],
    ['sales_velocity >> 5/hour', 16, "expected a number, got '>'"],
    ['sales_velocity > 50', 19, 'needs a rate'],
    ['sales_velocity > 50/week', 20, 'expected minute, hour or day'],
    ['sales_velocity > /hour', 17, 'expected a number'],
    ['sold > 5/hour', 8, 'not a rate'],
    ['inventory < 110%', 12, 'cannot exceed 100%'],
    ['remaining < 2.5', 12, 'whole number'],
    ['sold 5', 5, 'expected a comparator'],
    ['sold ! 5', 5, "did you mean '!='"],
    ['sold > 5 sold > 6', 9, "expected 'and', 'or' or the end"],
    ['sold > 5 and', 12, 'expected a metric'],
    ['(sold > 5', 9, "expected ')'"],
    ['sold > 5)', 8, "expected 'and', 'or' or the end"],
    ['sold > 5.', 8, 'decimal point'],
    ['sold > 5 ; drop table', 9, "unexpected character ';'"],
    ['process.exit()', 7, "unexpected character '.'"],
    ['sold > 5 && sold < 9', 9, "unexpected character '&'"],
  ])('%j fails at %d', (text, position, message) => {
    const error = failure(text);
    expect(error.position).toBe(position);
    expect(error.message).toContain(message);
  });

  it('refuses overlong and too deeply nested conditions without throwing', () => {
    expect(failure(`sold > 1 and ${'remaining > 1 and '.repeat(40)}sold > 2`).message).toContain('at most 500');
    expect(failure(`${'('.repeat(25)}sold > 1${')'.repeat(25)}`)).toEqual({
      message: 'too deeply nested',
      position: 20,
    });
  });
});

describe('pricing conditions against sales', () => {
  it('velocity counts the tickets of (now - window, now], scaled to the unit', () => {
    const sales = salesOver(60, 3_600_000); // 60 in the last hour, the oldest just inside
    expect(holds(parsed('sales_velocity >= 60/hour'), facts({ sales }), null)).toBe(true);
    expect(holds(parsed('sales_velocity > 60/hour'), facts({ sales }), null)).toBe(false);
    // Over a 2 h window the same 60 tickets are 30/hour.
    expect(holds(parsed('sales_velocity = 30/hour'), facts({ sales }), 7_200_000)).toBe(true);
    // /day with no window looks back one day: 60 tickets a day.
    expect(holds(parsed('sales_velocity = 60/day'), facts({ sales }), null)).toBe(true);
  });

  it('a sale exactly one window ago is outside it; one at now is inside; future ones are ignored', () => {
    const at = (ms: number): { at: Date; quantity: number } => ({ at: new Date(ms), quantity: 1 });
    const sales = [at(NOW - 3_600_000), at(NOW - 3_599_999), at(NOW), at(NOW + 1)];
    expect(holds(parsed('sales_velocity = 2/hour'), facts({ sales }), null)).toBe(true);
  });

  it('quantities count, not rows', () => {
    const sales = [{ at: new Date(NOW - 60_000), quantity: 51 }];
    expect(holds(parsed('sales_velocity > 50/hour'), facts({ sales }), null)).toBe(true);
  });

  it('shares are exact at the boundary, and inventory means what remains', () => {
    expect(holds(parsed('sold >= 80%'), facts({ sold: 80 }), null)).toBe(true);
    expect(holds(parsed('sold >= 80%'), facts({ sold: 79 }), null)).toBe(false);
    expect(holds(parsed('inventory < 10%'), facts({ sold: 90 }), null)).toBe(false);
    expect(holds(parsed('inventory < 10%'), facts({ sold: 91 }), null)).toBe(true);
    expect(holds(parsed('remaining <= 20'), facts({ sold: 80 }), null)).toBe(true);
    expect(holds(parsed('remaining <= 20'), facts({ sold: 79 }), null)).toBe(false);
    expect(holds(parsed('inventory < 10%'), facts({ inventory: 3, sold: 3 }), null)).toBe(true);
  });

  it('oversold or empty inventories read as sold out', () => {
    expect(holds(parsed('remaining = 0'), facts({ inventory: 10, sold: 12 }), null)).toBe(true);
    expect(holds(parsed('sold = 100%'), facts({ inventory: 0, sold: 0 }), null)).toBe(true);
    expect(holds(parsed('remaining = 0%'), facts({ inventory: 0, sold: 0 }), null)).toBe(true);
  });

  it('and / or combine', () => {
    const f = facts({ sold: 85, sales: salesOver(10, 3_600_000) });
    expect(holds(parsed('sold >= 80% and sales_velocity > 5/hour'), f, null)).toBe(true);
    expect(holds(parsed('sold >= 90% and sales_velocity > 5/hour'), f, null)).toBe(false);
    expect(holds(parsed('sold >= 90% or sales_velocity > 5/hour'), f, null)).toBe(true);
    expect(holds(parsed('sold >= 90% or sales_velocity > 50/hour'), f, null)).toBe(false);
  });
});
