import {
  backtest,
  mulberry32,
  poissonSample,
  syntheticHistory,
  BACKTEST_HORIZONS,
} from '../../domain/analytics/backtest';
import {
  cumulativeCurve,
  forecastEvent,
  priorShareSold,
  soldAt,
  tQuantile,
  type CurrentEvent,
  type PastEventSales,
} from '../../domain/analytics/forecast';

const DAY = 86_400_000;
const start = new Date('2026-06-01T19:00:00Z');
const at = (daysBefore: number, from = start) => new Date(from.getTime() - daysBefore * DAY);

/** A past event selling exactly `final` tickets along F(D) = exp(-D / tau) over a 90-day window. */
function exactPast(
  id: number,
  opts: { capacity: number; final: number; tau: number; category?: string },
): PastEventSales {
  const startsAt = new Date(Date.UTC(2025, 0, 1) + id * 7 * DAY);
  const daily = new Array<number>(91).fill(0);
  const cumShare = (d: number) =>
    d >= 90 ? 0 : (Math.exp(-d / opts.tau) - Math.exp(-90 / opts.tau)) / (1 - Math.exp(-90 / opts.tau));
  let given = 0;
  for (let d = 90; d >= 0; d--) {
    const target = Math.round(opts.final * cumShare(d));
    daily[d] = target - given;
    given = target;
  }
  return {
    id,
    category: opts.category ?? 'concerts',
    capacity: opts.capacity,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
    daily,
  };
}

const current = (over: Partial<CurrentEvent> = {}): CurrentEvent => ({
  id: 9999,
  category: 'concerts',
  capacity: 1000,
  startsAt: start,
  sold: 0,
  soldLast7d: null,
  waitlistSize: null,
  pageViews7d: null,
  ...over,
});

describe('analytics forecast: pickup model', () => {
  const tau = 20;
  const sharedCum = (d: number) => (Math.exp(-d / tau) - Math.exp(-90 / tau)) / (1 - Math.exp(-90 / tau));

  it('recovers a known booking curve: events of different sizes selling 80% of capacity', () => {
    const history = [200, 500, 1000, 2000, 400, 800, 1500, 300, 600, 1200].map((capacity, i) =>
      exactPast(i + 1, { capacity, final: 0.8 * capacity, tau }),
    );
    for (const d of [60, 30, 14, 7, 1]) {
      const sold = Math.round(800 * sharedCum(d));
      const f = forecastEvent(current({ sold }), history, at(d));
      expect(f.method).toBe('pickup');
      expect(f.inputs.past_events_used).toBe(10);
      expect(f.inputs.days_before).toBeCloseTo(d, 6);
      expect(Math.abs(f.predicted_final_sales - 800)).toBeLessThanOrEqual(8);
      expect(f.interval.lower).toBeLessThanOrEqual(f.predicted_final_sales);
      expect(f.interval.upper).toBeGreaterThanOrEqual(f.predicted_final_sales);
      expect(f.interval.level).toBe(0.8);
      // Identical curves leave little doubt: a tight interval, no sellout.
      expect(f.interval.upper - f.interval.lower).toBeLessThan(20);
      expect(f.sellout_probability).toBeLessThan(0.1);
      expect(f.inputs.interval_method).toBe('empirical_quantiles');
    }
  });

  it('with five to eight past events, widens the normal interval by a prior spread that shrinks near the date', () => {
    const history = Array.from({ length: 6 }, (_, i) => exactPast(i + 1, { capacity: 1000, final: 800, tau }));
    const width = (d: number) => {
      const f = forecastEvent(current({ sold: Math.round(800 * sharedCum(d)) }), history, at(d));
      expect(f.inputs.interval_method).toBe('normal_approximation');
      expect(Math.abs(f.predicted_final_sales - 800)).toBeLessThanOrEqual(8);
      return f.interval.upper - f.interval.lower;
    };
    // sigma0(30) = 0.3 (1 - e^(-30/21)) = 0.228; pooled with sd 0: 0.228 sqrt(4/9); t(0.9, 5) = 1.476.
    const expected30 = 2 * 1.476 * 0.3 * (1 - Math.exp(-30 / 21)) * Math.sqrt(4 / 9) * Math.sqrt(1 + 1 / 6) * 1000;
    expect(width(30)).toBeGreaterThan(expected30 * 0.9);
    expect(width(30)).toBeLessThan(expected30 * 1.1);
    expect(width(1)).toBeLessThan(width(7));
    expect(width(7)).toBeLessThan(width(30));
  });

  it('is ahead of the curve: the additive pickup adds the usual remaining share to what is sold', () => {
    const history = Array.from({ length: 6 }, (_, i) => exactPast(i + 1, { capacity: 1000, final: 600, tau }));
    const usualAt30 = 600 * sharedCum(30);
    const f = forecastEvent(current({ sold: Math.round(usualAt30 + 100) }), history, at(30));
    expect(f.predicted_final_sales).toBeGreaterThan(690);
    expect(f.predicted_final_sales).toBeLessThan(710);
    expect(f.demand.pace_index).toBeGreaterThan(1.2);
    // The multiplicative pickup scales instead: it is reported for comparison.
    expect(f.inputs.multiplicative_estimate).toBeGreaterThan(f.predicted_final_sales);
  });

  it('never predicts beyond capacity or below what is sold, and a sold-out event is certain', () => {
    const history = Array.from({ length: 6 }, (_, i) => exactPast(i + 1, { capacity: 100, final: 95, tau }));
    const f = forecastEvent(current({ capacity: 100, sold: 90 }), history, at(30));
    expect(f.predicted_final_sales).toBe(100);
    expect(f.interval.upper).toBeLessThanOrEqual(100);
    expect(f.sellout_probability).toBeGreaterThan(0.9);
    const soldOut = forecastEvent(current({ capacity: 100, sold: 100 }), history, at(10));
    expect(soldOut).toMatchObject({ predicted_final_sales: 100, sellout_probability: 1 });
    expect(soldOut.interval).toEqual({ level: 0.8, lower: 100, upper: 100 });
    const low = forecastEvent(current({ capacity: 100, sold: 3 }), history, at(1));
    expect(low.interval.lower).toBeGreaterThanOrEqual(3);
  });

  it('prefers past events of the same category when there are enough of them', () => {
    const concerts = Array.from({ length: 5 }, (_, i) => exactPast(i + 1, { capacity: 1000, final: 900, tau }));
    const theatre = Array.from({ length: 5 }, (_, i) =>
      exactPast(i + 10, { capacity: 1000, final: 300, tau, category: 'theatre' }),
    );
    const f = forecastEvent(current({ sold: 0 }), [...concerts, ...theatre], at(100));
    expect(f.inputs.similar_by).toBe('category');
    expect(f.inputs.past_event_ids).toEqual([1, 2, 3, 4, 5]);
    expect(f.predicted_final_sales).toBeCloseTo(900, 0);
    const other = forecastEvent(current({ category: 'opera' }), [...concerts, ...theatre], at(100));
    expect(other.inputs.similar_by).toBe('all');
    expect(other.predicted_final_sales).toBeCloseTo(600, 0);
  });

  it('learns only from events that ended before now', () => {
    const history = Array.from({ length: 6 }, (_, i) => exactPast(i + 1, { capacity: 100, final: 50, tau }));
    const early = forecastEvent(current(), history, new Date(history[3].endsAt.getTime() - 1));
    expect(early.method).toBe('prior');
    expect(early.inputs.past_events_used).toBe(3);
  });

  it('covers at its nominal 80% on synthetic events with noisy curves', () => {
    const train = syntheticHistory({ seed: 7, events: 200, lastStart: new Date('2024-12-01T19:00:00Z') });
    const test = syntheticHistory({
      seed: 8,
      events: 400,
      lastStart: new Date('2027-06-01T19:00:00Z'),
      spacingDays: 1,
    });
    for (const d of [30, 7]) {
      let covered = 0;
      let errors = 0;
      for (const e of test) {
        const cum = cumulativeCurve(e.daily);
        const f = forecastEvent(
          {
            ...current(),
            id: e.id + 10_000,
            category: e.category,
            capacity: e.capacity,
            startsAt: e.startsAt,
            sold: soldAt(cum, d),
          },
          train,
          at(d, e.startsAt),
        );
        expect(f.inputs.interval_method).toBe('empirical_quantiles');
        if (Math.floor(f.interval.lower) <= cum[0] && cum[0] <= Math.ceil(f.interval.upper)) covered++;
        errors += (f.predicted_final_sales - cum[0]) / e.capacity;
      }
      const coverage = covered / test.length;
      expect(coverage).toBeGreaterThan(0.74);
      expect(coverage).toBeLessThan(0.9);
      // Unbiased: the mean error is within 3% of capacity.
      expect(Math.abs(errors / test.length)).toBeLessThan(0.03);
    }
  });
});

describe('analytics forecast: prior for tenants with little history', () => {
  it('uses the documented curve exp(-D / 21) shrunk towards 70% utilisation', () => {
    expect(priorShareSold(0)).toBe(1);
    expect(priorShareSold(21 * Math.LN2)).toBeCloseTo(0.5, 9);
    // Half of the curve elapsed with 20% sold: U = (0.2 + 0.25 * 0.7) / (0.5 + 0.25) = 0.5.
    const f = forecastEvent(current({ sold: 200 }), [], at(21 * Math.LN2));
    expect(f.method).toBe('prior');
    expect(f.inputs.similar_by).toBe('none');
    expect(f.predicted_final_sales).toBeCloseTo(450, 0);
    // Wide on purpose: pickup x [0.46, 2.16].
    expect(f.interval.lower).toBeCloseTo(200 + 250 * Math.exp(-1.2815515655 * 0.6), 0);
    expect(f.interval.upper).toBeCloseTo(200 + 250 * Math.exp(1.2815515655 * 0.6), 0);
    // P(pickup >= 800) for a log-normal with median 250 and sigma 0.6.
    expect(f.sellout_probability).toBeCloseTo(0.026, 2);
    expect(f.inputs.interval_method).toBe('prior_lognormal');
  });

  it('at the start the forecast is what is sold', () => {
    const f = forecastEvent(current({ sold: 123 }), [], start);
    expect(f.predicted_final_sales).toBe(123);
    expect(f.interval).toEqual({ level: 0.8, lower: 123, upper: 123 });
  });

  it('with four past events still uses the prior, with five the pickup model', () => {
    const mk = (n: number) =>
      Array.from({ length: n }, (_, i) => exactPast(i + 1, { capacity: 100, final: 50, tau: 20 }));
    expect(forecastEvent(current(), mk(4), at(10)).method).toBe('prior');
    expect(forecastEvent(current(), mk(5), at(10)).method).toBe('pickup');
  });
});

describe('analytics forecast: demand and pricing', () => {
  const tau = 20;
  it('suggests raising the price when sellout is likely and early, and says why', () => {
    const history = Array.from({ length: 6 }, (_, i) => exactPast(i + 1, { capacity: 1000, final: 1000, tau }));
    const usual = (d: number) => (1000 * (Math.exp(-d / tau) - Math.exp(-90 / tau))) / (1 - Math.exp(-90 / tau));
    const f = forecastEvent(
      current({ sold: Math.round(usual(30) + 400), soldLast7d: 200, waitlistSize: 40 }),
      history,
      at(30),
    );
    expect(f.sellout_probability).toBeGreaterThan(0.7);
    expect(f.expected_sellout_days_before).toBeGreaterThanOrEqual(7);
    expect(f.pricing_suggestion.action).toBe('raise_price');
    expect(f.pricing_suggestion.suggested_change_pct).toBeGreaterThan(0);
    expect(f.pricing_suggestion.reason).toMatch(/40 on the waitlist/);
    expect(f.demand.waitlist_size).toBe(40);
    expect(f.demand.expected_last_7d).toBeCloseTo(usual(30) - usual(37), -1);
    expect(f.demand.velocity_index).toBeCloseTo(200 / (usual(30) - usual(37)), 1);
  });

  it('suggests promotion when the forecast falls well short of capacity', () => {
    const history = Array.from({ length: 6 }, (_, i) => exactPast(i + 1, { capacity: 1000, final: 300, tau }));
    const f = forecastEvent(current({ sold: 50, pageViews7d: 1200 }), history, at(30));
    expect(f.pricing_suggestion.action).toBe('promote_or_discount');
    expect(f.pricing_suggestion.suggested_change_pct).toBeLessThan(0);
    expect(f.pricing_suggestion.reason).toMatch(/capacity/);
    expect(f.demand.page_views_7d).toBe(1200);
  });

  it('holds otherwise', () => {
    const history = Array.from({ length: 6 }, (_, i) => exactPast(i + 1, { capacity: 1000, final: 800, tau }));
    const f = forecastEvent(current({ sold: 400 }), history, at(14));
    expect(f.pricing_suggestion).toMatchObject({ action: 'hold', suggested_change_pct: 0 });
  });
});

describe('analytics back-test and helpers', () => {
  it('Student-t quantiles are close to the tables', () => {
    expect(tQuantile(0.9, 4)).toBeCloseTo(1.533, 2);
    expect(tQuantile(0.9, 10)).toBeCloseTo(1.372, 2);
    expect(tQuantile(0.9, 1000)).toBeCloseTo(1.282, 2);
  });

  it('the PRNG and Poisson sampler are deterministic and have the right mean', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    expect([a(), a()]).toEqual([b(), b()]);
    const r = mulberry32(3);
    const xs = Array.from({ length: 5000 }, () => poissonSample(r, 4));
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(4, 0);
  });

  it('replays past events at 60/30/14/7/1 days before and scores them', () => {
    const report = backtest(syntheticHistory({ events: 60 }));
    expect(report.events).toBe(60);
    expect(report.horizons.map((h) => h.days_before)).toEqual([...BACKTEST_HORIZONS]);
    for (const h of report.horizons) {
      expect(h.forecasts).toBe(60);
      // The first events have no history: the prior answers them.
      expect(h.by_method.prior).toBeGreaterThanOrEqual(5);
    }
    expect(report.mape_30d).toBeGreaterThan(0);
    expect(report.mape_30d).toBeLessThan(0.35);
    expect(report.interval_coverage).toBeGreaterThan(0.7);
    expect(report.interval_coverage).toBeLessThan(0.97);
    // Errors shrink as the event draws near.
    expect(report.horizons[4].mape!).toBeLessThan(report.horizons[0].mape!);
  });
});
