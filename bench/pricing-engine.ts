/**
 * The pure engine's part of `npm run bench:pricing`: evaluatePrice on realistic rule sets (early-bird
 * tiers with a weekend-evening variation and a surge in Europe/Amsterdam; the proposal's demand rule
 * over 500 sales; inventory thresholds, a section premium, scarcity and a flash sale) for at least
 * two seconds, rotating over 64 ticket-type states. One evaluation = one evaluatePrice call on a
 * ticket type's whole rule set. Prints one JSON line.
 *
 *   npx tsx bench/pricing-engine.ts
 */
import { parseRuleDefinition } from '../domain/pricing/definitions';
import type { ActiveRule, PricingContext, Strategy } from '../domain/pricing/engine';
import { evaluatePrice } from '../domain/pricing/engine';

const SALES_IN_HISTORY = 500;
const MIN_SECONDS = 2;

function rule(id: number, strategy: Strategy, priority: number, json: unknown): ActiveRule {
  const parsed = parseRuleDefinition(strategy, json);
  if (!parsed.ok) throw new Error(`bench rule ${id}: ${JSON.stringify(parsed.errors)}`);
  return { id, strategy, priority, definition: parsed.definition };
}

const time = rule(1, 'time', 2, {
  timezone: 'Europe/Amsterdam',
  tiers: [
    { until: '2026-10-01', price: 50, label: 'Super Early Bird' },
    { until: '2026-11-01', price: 65, label: 'Early Bird' },
    { until: '2026-12-01', price: 80, label: 'Regular' },
    { until: 'event', price: 95, label: 'Door Price' },
  ],
  variations: [{ days: ['fri', 'sat'], from: '18:00', to: '23:00', percent: 10, label: 'Weekend evening' }],
  surge: { within_hours: 48, percent: 15, label: 'Last minute' },
});
const demand = rule(2, 'demand', 2, {
  base_price: 50,
  min_price: 40,
  max_price: 100,
  window: '2h',
  rules: [
    { condition: 'sales_velocity > 50/hour', action: 'increase', amount: 5 },
    { condition: 'sales_velocity < 5/hour', action: 'decrease', amount: 3 },
    { condition: 'inventory < 10%', action: 'set', amount: 95 },
  ],
});
const inventory = rule(3, 'inventory', 1, {
  thresholds: [
    { condition: 'sold >= 90%', price: 110, label: 'Last tickets' },
    { condition: 'sold >= 75% and sales_velocity > 20/day', percent: 20 },
  ],
  sections: { Balcony: { amount: -10 } },
  scarcity: [{ condition: 'remaining <= 20', percent: 5, label: 'Almost gone' }],
  flash_sales: [{ start: '2026-11-20T12:00:00Z', end: '2026-11-20T14:00:00Z', percent_off: 25 }],
});

const RULE_SETS: readonly (readonly ActiveRule[])[] = [[inventory, time], [inventory, demand], [time]];

function contexts(): PricingContext[] {
  const start = Date.parse('2026-11-15T00:00:00Z');
  const sales = Array.from({ length: SALES_IN_HISTORY }, (_, i) => ({
    at: new Date(start + i * 20 * 60_000),
    quantity: 1 + (i % 3),
  }));
  const inventoryTotal = 1000;
  return Array.from({ length: 64 }, (_, i) => ({
    now: new Date(start + SALES_IN_HISTORY * 20 * 60_000 - (i % 16) * 3 * 3_600_000),
    basePriceMinor: 6000,
    currentPriceMinor: 6000 + (i % 5) * 500,
    currentRuleId: i % 2 === 0 ? 2 : null,
    eventStartsAt: new Date('2026-12-04T19:00:00Z'),
    eventEndsAt: null,
    timeZone: 'Europe/Amsterdam',
    inventory: inventoryTotal,
    sold: [300, 760, 910, 985][i % 4],
    sales,
    section: i % 3 === 0 ? 'Balcony' : null,
  }));
}

/**
 * Evaluations per second of CPU time (this process's user + system time while the loop ran), so the
 * figure does not depend on how many other processes share the cores; the wall-clock rate is given
 * beside it.
 */
export function engineFigures(minSeconds = MIN_SECONDS): {
  rule_evals_per_s: number;
  rule_evals_per_wall_s: number;
  evaluations: number;
  cpu_seconds: number;
  wall_seconds: number;
} {
  const states = contexts();
  let checksum = 0;
  const run = (ms: number): number => {
    const began = performance.now();
    let count = 0;
    while (performance.now() - began < ms) {
      for (let i = 0; i < 1000; i++) {
        const n = count + i;
        checksum += evaluatePrice(RULE_SETS[n % RULE_SETS.length], states[n & 63]).priceMinor;
      }
      count += 1000;
    }
    return count;
  };
  run(300); // warm-up: let the JIT and the time-zone offset cache settle
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const evaluations = run(minSeconds * 1000);
  const wall = (performance.now() - began) / 1000;
  const cpuUsed = process.cpuUsage(cpuBefore);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
  if (!Number.isFinite(checksum)) throw new Error('bench produced no prices');
  return {
    rule_evals_per_s: Math.round(evaluations / cpu),
    rule_evals_per_wall_s: Math.round(evaluations / wall),
    evaluations,
    cpu_seconds: Number(cpu.toFixed(2)),
    wall_seconds: Number(wall.toFixed(2)),
  };
}

if (require.main === module) {
  const figures = engineFigures();
  process.stdout.write(
    JSON.stringify({ ...figures, sales_in_history: SALES_IN_HISTORY, rule_sets: RULE_SETS.length }) + '\n',
  );
}
