import {
  DEFAULT_FORECAST_OPTIONS,
  cumulativeCurve,
  forecastEvent,
  soldAt,
  type ForecastMethod,
  type ForecastOptions,
  type PastEventSales,
} from './forecast';

/** Days before the start at which each past event is forecast. */
export const BACKTEST_HORIZONS = [60, 30, 14, 7, 1] as const;

export interface HorizonFigures {
  days_before: number;
  forecasts: number;
  /** Mean absolute percentage error of the predicted final sales (events that sold nothing left out). */
  mape: number | null;
  /** Share of forecasts whose interval held the actual final sales. */
  interval_coverage: number | null;
  /** Mean interval width as a share of capacity. */
  mean_interval_width_share: number | null;
  by_method: Record<ForecastMethod, number>;
}

export interface BacktestReport {
  events: number;
  interval_level: number;
  horizons: HorizonFigures[];
  mape_30d: number | null;
  /** Over every horizon. */
  interval_coverage: number | null;
  /** The same figures counting only forecasts made with the pickup model (enough history). */
  pickup_only: { forecasts: number; mape: number | null; interval_coverage: number | null };
}

interface Scored {
  method: ForecastMethod;
  ape: number | null;
  covered: boolean;
  widthShare: number;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const r4 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10_000) / 10_000);

/**
 * Replays a tenant's past events: each is forecast at every horizon as if it were that moment,
 * learning only from events that had ended by then, and scored against its actual final sales.
 */
export function backtest(
  history: PastEventSales[],
  options: ForecastOptions = DEFAULT_FORECAST_OPTIONS,
  horizons: readonly number[] = BACKTEST_HORIZONS,
): BacktestReport {
  const perHorizon = new Map<number, Scored[]>(horizons.map((h) => [h, []]));
  let level = 0.8;
  for (const e of history) {
    if (e.capacity <= 0) continue;
    const cum = cumulativeCurve(e.daily);
    const actual = cum[0];
    for (const h of horizons) {
      const asOf = new Date(e.startsAt.getTime() - h * 86_400_000);
      const sold = Math.round(soldAt(cum, h));
      const f = forecastEvent(
        {
          id: e.id,
          category: e.category,
          capacity: e.capacity,
          startsAt: e.startsAt,
          sold,
          soldLast7d: sold - Math.round(soldAt(cum, h + 7)),
          waitlistSize: null,
          pageViews7d: null,
        },
        history,
        asOf,
        options,
      );
      level = f.interval.level;
      // Final sales are whole tickets: an interval is judged on the whole tickets it contains.
      const covered = Math.floor(f.interval.lower) <= actual && actual <= Math.ceil(f.interval.upper);
      perHorizon.get(h)!.push({
        method: f.method,
        ape: actual > 0 ? Math.abs(f.predicted_final_sales - actual) / actual : null,
        covered,
        widthShare: (f.interval.upper - f.interval.lower) / e.capacity,
      });
    }
  }
  const figures: HorizonFigures[] = horizons.map((h) => {
    const scored = perHorizon.get(h)!;
    return {
      days_before: h,
      forecasts: scored.length,
      mape: r4(mean(scored.flatMap((s) => (s.ape === null ? [] : [s.ape])))),
      interval_coverage: r4(mean(scored.map((s) => (s.covered ? 1 : 0)))),
      mean_interval_width_share: r4(mean(scored.map((s) => s.widthShare))),
      by_method: {
        pickup: scored.filter((s) => s.method === 'pickup').length,
        prior: scored.filter((s) => s.method === 'prior').length,
      },
    };
  });
  const all = [...perHorizon.values()].flat();
  const pickup = all.filter((s) => s.method === 'pickup');
  return {
    events: history.filter((e) => e.capacity > 0).length,
    interval_level: level,
    horizons: figures,
    mape_30d: figures.find((f) => f.days_before === 30)?.mape ?? null,
    interval_coverage: r4(mean(all.map((s) => (s.covered ? 1 : 0)))),
    pickup_only: {
      forecasts: pickup.length,
      mape: r4(mean(pickup.flatMap((s) => (s.ape === null ? [] : [s.ape])))),
      interval_coverage: r4(mean(pickup.map((s) => (s.covered ? 1 : 0)))),
    },
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same history on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normalSample(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function poissonSample(random: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normalSample(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

export interface SyntheticOptions {
  seed: number;
  events: number;
  /** Start of the last event; the others are spaced `spacingDays` apart before it. */
  lastStart: Date;
  spacingDays: number;
  /** Sales open this many days before the start. */
  salesWindowDays: number;
  categories: readonly string[];
  capacities: readonly number[];
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  seed: 42,
  events: 40,
  lastStart: new Date('2026-01-01T19:00:00Z'),
  spacingDays: 14,
  salesWindowDays: 90,
  categories: ['concerts', 'theatre', 'comedy'],
  capacities: [200, 500, 1000, 2000],
};

/**
 * Past events whose sales follow the shape the forecast assumes, with noise: each has a demand
 * (final utilisation before the capacity cap, normal around its category's mean), a booking curve
 * exp(-D / tau) with tau drawn per event, sales open `salesWindowDays` before the start, and
 * Poisson daily sales stopped at capacity. Used by the domain tests, the benchmark and the demo data.
 */
export function syntheticHistory(options: Partial<SyntheticOptions> = {}): PastEventSales[] {
  const o = { ...DEFAULT_SYNTHETIC, ...options };
  const random = mulberry32(o.seed);
  const categoryMean = o.categories.map((_, i) => 0.55 + 0.15 * i);
  const out: PastEventSales[] = [];
  for (let i = 0; i < o.events; i++) {
    const c = Math.floor(random() * o.categories.length);
    const capacity = o.capacities[Math.floor(random() * o.capacities.length)];
    const demand = Math.max(0.15, categoryMean[c] + 0.15 * normalSample(random));
    const tau = 12 + random() * 20;
    const startsAt = new Date(o.lastStart.getTime() - (o.events - 1 - i) * o.spacingDays * 86_400_000);
    const window = o.salesWindowDays;
    const norm = 1 - Math.exp(-window / tau);
    const daily = new Array<number>(window + 1).fill(0);
    let sold = 0;
    for (let d = window; d >= 0 && sold < capacity; d--) {
      const share = (Math.exp(-d / tau) - (d === window ? 0 : Math.exp(-(d + 1) / tau))) / norm;
      const q = Math.min(capacity - sold, poissonSample(random, demand * capacity * share));
      daily[d] = q;
      sold += q;
    }
    out.push({
      id: i + 1,
      category: o.categories[c],
      capacity,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
      daily,
    });
  }
  return out;
}
