import { errorFunction, probit } from 'simple-statistics';

/**
 * Per-event final-sales forecasts from an additive pickup model (Weatherford & Kimes 2003, "A
 * comparison of forecasting methods for hotel revenue management": pickup methods were among the
 * most accurate and robust). Pure: every input, including `now`, is passed in.
 *
 * Sales are compared as shares of capacity so that events of different sizes pool together. For
 * an event D days before its start with S tickets sold, each past event i gives a pickup
 * p_i = final_i / cap_i - sold_i(D) / cap_i, and the forecast is S + cap * mean(p). Past events of
 * the same category are used when there are enough of them, else all of the tenant's.
 *
 * Interval (level 0.8): with n >= 9 pickups, the order-statistic (split-conformal) interval
 * [p_(j), p_(k)] with j = floor(0.1 (n+1)), k = ceil(0.9 (n+1)), which covers a new exchangeable
 * pickup with probability >= (k - j) / (n + 1) >= 0.8; with fewer, the normal approximation
 * mean ± t(0.9, n-1) · s · sqrt(1 + 1/n), where s pools the sample sd with a prior sd
 * sigma0(D) = 0.3 · (1 - exp(-D/21)) worth 4 observations (s² = ((n-1) sd² + 4 sigma0²) / (n + 3)):
 * five to eight events say little about their spread, and a sample sd alone under-covered in the
 * back-test. Sellout probability is P(S + cap·p >= cap) under the same distribution (the empirical
 * share of pickups, or the normal tail).
 *
 * With fewer than `minPastEvents` past events the documented prior is used instead (see `PRIOR`).
 */

/** Days before the start beyond which sales are pooled in one bucket. */
export const MAX_DAYS_BEFORE = 400;
export const INTERVAL_LEVEL = 0.8;

export interface PastEventSales {
  id: number;
  category: string | null;
  capacity: number;
  startsAt: Date;
  endsAt: Date;
  /** daily[k]: tickets sold k whole days before the start (k clamped to 0..MAX_DAYS_BEFORE; door sales in 0). */
  daily: number[];
}

export interface CurrentEvent {
  id: number;
  category: string | null;
  capacity: number;
  startsAt: Date;
  /** Tickets sold so far. */
  sold: number;
  /** Tickets sold in the last 7 days (null: unknown). */
  soldLast7d: number | null;
  waitlistSize: number | null;
  pageViews7d: number | null;
}

export interface ForecastOptions {
  /** Below this many past events, the prior is used (default 5). */
  minPastEvents: number;
  /** Same-category events are used alone when at least this many (default 5). */
  minSameCategory: number;
  /** Raise the price when sellout is at least this likely... (default 0.7) */
  raiseAtProbability: number;
  /** ...and the expected curve reaches capacity at least this many days before the start (default 7). */
  raiseWhenSelloutDaysEarly: number;
  /** Promote or discount when the forecast is below this share of capacity (default 0.6)... */
  promoteBelowShare: number;
  /** ...and sellout is at most this likely (default 0.1). */
  promoteBelowProbability: number;
}

export const DEFAULT_FORECAST_OPTIONS: ForecastOptions = {
  minPastEvents: 5,
  minSameCategory: 5,
  raiseAtProbability: 0.7,
  raiseWhenSelloutDaysEarly: 7,
  promoteBelowShare: 0.6,
  promoteBelowProbability: 0.1,
};

/**
 * The prior booking curve for tenants with little history: the share of final sales already sold
 * D days before the start is F(D) = exp(-D / tau), tau = 21 days (half of the sales in the last
 * ~15 days, 94% in the last 60). The expected final utilisation U shrinks the curve's
 * extrapolation towards a prior utilisation u0 = 0.7 with weight kappa = 0.25:
 * U = (S/cap + kappa·u0) / (F(D) + kappa), and the expected pickup is cap·U·(1 - F(D)).
 * The pickup is taken as log-normal around that with sigma = 0.6, so the 80% interval is
 * pickup × [0.46, 2.16] (wide on purpose) and the sellout probability its upper tail.
 */
export const PRIOR = { tau: 21, u0: 0.7, kappa: 0.25, sigma: 0.6 } as const;

/** The prior sd of a pickup share, per unit of the prior's remaining share, and its weight in observations. */
const PRIOR_PICKUP_SD = 0.3;
const PRIOR_SD_WEIGHT = 4;

export const priorShareSold = (daysBefore: number): number => Math.exp(-Math.max(0, daysBefore) / PRIOR.tau);

export type ForecastMethod = 'pickup' | 'prior';
export type PricingAction = 'raise_price' | 'hold' | 'promote_or_discount';

export interface Forecast {
  method: ForecastMethod;
  inputs: {
    days_before: number;
    sold: number;
    capacity: number;
    past_events_used: number;
    past_event_ids: number[];
    similar_by: 'category' | 'all' | 'none';
    category: string | null;
    /** mean pickup as a share of capacity (pickup), or the prior's expected pickup share. */
    mean_pickup_share: number;
    /** sd of the pickup shares (pickup method), null for the prior. */
    pickup_share_sd: number | null;
    /** The multiplicative pickup's estimate (S · mean(final/sold(D))), for comparison; null when undefined. */
    multiplicative_estimate: number | null;
    interval_method: 'empirical_quantiles' | 'normal_approximation' | 'prior_lognormal';
  };
  predicted_final_sales: number;
  interval: { level: number; lower: number; upper: number };
  sellout_probability: number;
  /** Days before the start at which the expected curve reaches capacity; null when it does not. */
  expected_sellout_days_before: number | null;
  demand: {
    sold_last_7d: number | null;
    expected_last_7d: number | null;
    /** sold_last_7d / expected_last_7d: above 1 sells faster than usual at this point. */
    velocity_index: number | null;
    /** Share sold now against the usual share at this point (sold / expected sold by now). */
    pace_index: number | null;
    waitlist_size: number | null;
    page_views_7d: number | null;
  };
  pricing_suggestion: { action: PricingAction; suggested_change_pct: number; reason: string };
  /**
   * The expected cumulative sales from now to the start (days_before descending, at most ~60
   * points), with the interval's band widening in proportion to the expected pickup so far.
   */
  path: { days_before: number; expected: number; lower: number; upper: number }[];
}

const DAY_MS = 86_400_000;

/** The cumulative curve of a past event: cum[d] = tickets sold at least d days before the start. */
export function cumulativeCurve(daily: number[]): number[] {
  const cum = new Array<number>(MAX_DAYS_BEFORE + 2).fill(0);
  for (let d = MAX_DAYS_BEFORE; d >= 0; d--) cum[d] = cum[d + 1] + (daily[d] ?? 0);
  return cum;
}

/** Tickets sold at least `days` (fractional) days before the start, linearly between whole days. */
export function soldAt(cum: number[], days: number): number {
  const d = Math.min(MAX_DAYS_BEFORE + 1, Math.max(0, days));
  const lo = Math.floor(d);
  const hi = Math.min(MAX_DAYS_BEFORE + 1, lo + 1);
  return cum[lo] + (cum[hi] - cum[lo]) * (d - lo);
}

/** Student-t quantile by the Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5), ample for df >= 1 at 0.9. */
export function tQuantile(p: number, df: number): number {
  const z = probit(p);
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  const g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

const normalCdf = (x: number): number => 0.5 * (1 + errorFunction(x / Math.SQRT2));
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const round1 = (x: number): number => Math.round(x * 10) / 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface PickupModel {
  /** Expected share of capacity sold by `days` before the start, given the share sold now. */
  expectedShareAt(days: number): number;
}

/** Past events the model may learn from: ended before `now`, with a capacity. */
export function eligiblePast(history: PastEventSales[], now: Date, excludeId?: number): PastEventSales[] {
  return history.filter((e) => e.endsAt.getTime() < now.getTime() && e.capacity > 0 && e.id !== excludeId);
}

export function forecastEvent(
  event: CurrentEvent,
  history: PastEventSales[],
  now: Date,
  options: ForecastOptions = DEFAULT_FORECAST_OPTIONS,
): Forecast {
  const cap = Math.max(0, event.capacity);
  const daysBefore = Math.max(0, (event.startsAt.getTime() - now.getTime()) / DAY_MS);
  const sold = Math.max(0, event.sold);
  const s = cap > 0 ? Math.min(1, sold / cap) : 1;
  const past = eligiblePast(history, now, event.id);

  const sameCategory = event.category ? past.filter((e) => e.category === event.category) : [];
  const similarBy = sameCategory.length >= options.minSameCategory ? 'category' : 'all';
  const pool = similarBy === 'category' ? sameCategory : past;

  let method: ForecastMethod;
  let shareLower: number;
  let shareUpper: number;
  let sharePredicted: number;
  let selloutProbability: number;
  let meanPickup: number;
  let sd: number | null = null;
  let intervalMethod: Forecast['inputs']['interval_method'];
  let multiplicative: number | null = null;
  let model: PickupModel;

  if (pool.length >= options.minPastEvents && cap > 0) {
    method = 'pickup';
    const curves = pool.map((e) => ({ e, cum: cumulativeCurve(e.daily) }));
    const shareAt = (c: { e: PastEventSales; cum: number[] }, days: number) =>
      Math.min(1, soldAt(c.cum, days) / c.e.capacity);
    const pickups = curves.map((c) => shareAt(c, 0) - shareAt(c, daysBefore));
    const n = pickups.length;
    meanPickup = pickups.reduce((a, b) => a + b, 0) / n;
    sd = Math.sqrt(pickups.reduce((a, p) => a + (p - meanPickup) ** 2, 0) / Math.max(1, n - 1));
    const ratios = curves.flatMap((c) => (soldAt(c.cum, daysBefore) > 0 ? [c.cum[0] / soldAt(c.cum, daysBefore)] : []));
    if (ratios.length && sold > 0) multiplicative = round1(sold * (ratios.reduce((a, b) => a + b, 0) / ratios.length));
    sharePredicted = s + meanPickup;
    const remaining = 1 - s;
    if (n >= 9) {
      intervalMethod = 'empirical_quantiles';
      const sorted = [...pickups].sort((a, b) => a - b);
      const j = Math.max(1, Math.floor(((1 - INTERVAL_LEVEL) / 2) * (n + 1)));
      const k = Math.min(n, Math.ceil(((1 + INTERVAL_LEVEL) / 2) * (n + 1)));
      shareLower = s + sorted[j - 1];
      shareUpper = s + sorted[k - 1];
      // Add-half smoothing keeps a handful of past events from claiming certainty either way.
      const reach = pickups.filter((p) => p >= remaining - 1e-9).length;
      selloutProbability = s >= 1 ? 1 : (reach + 0.5) / (n + 1);
    } else {
      intervalMethod = 'normal_approximation';
      const sigma0 = PRIOR_PICKUP_SD * (1 - priorShareSold(daysBefore));
      const pooled = Math.sqrt(((n - 1) * sd ** 2 + PRIOR_SD_WEIGHT * sigma0 ** 2) / (n - 1 + PRIOR_SD_WEIGHT));
      const spread = pooled * Math.sqrt(1 + 1 / n);
      const half = tQuantile((1 + INTERVAL_LEVEL) / 2, n - 1) * spread;
      shareLower = sharePredicted - half;
      shareUpper = sharePredicted + half;
      selloutProbability =
        s >= 1 ? 1 : spread > 0 ? 1 - normalCdf((remaining - meanPickup) / spread) : meanPickup >= remaining ? 1 : 0;
    }
    const meanShareAt = (days: number) => curves.reduce((a, c) => a + shareAt(c, days), 0) / n;
    const meanNow = meanShareAt(daysBefore);
    model = { expectedShareAt: (days) => s + (meanShareAt(days) - meanNow) };
  } else {
    method = 'prior';
    intervalMethod = 'prior_lognormal';
    const f = priorShareSold(daysBefore);
    const u = (s + PRIOR.kappa * PRIOR.u0) / (f + PRIOR.kappa);
    meanPickup = Math.max(0, Math.min(1 - s, u * (1 - f)));
    sharePredicted = s + meanPickup;
    const z = probit((1 + INTERVAL_LEVEL) / 2);
    shareLower = s + meanPickup * Math.exp(-z * PRIOR.sigma);
    shareUpper = s + meanPickup * Math.exp(z * PRIOR.sigma);
    const remaining = 1 - s;
    selloutProbability =
      s >= 1 || cap === 0 ? 1 : meanPickup > 0 ? 1 - normalCdf(Math.log(remaining / (u * (1 - f))) / PRIOR.sigma) : 0;
    model = { expectedShareAt: (days) => s + u * (priorShareSold(days) - f) };
  }

  const toSales = (share: number) => round1(cap * clamp(share, s, 1));
  const predicted = toSales(sharePredicted);
  const lower = Math.min(predicted, toSales(shareLower));
  const upper = Math.max(predicted, toSales(shareUpper));
  selloutProbability = round3(clamp(selloutProbability, 0, 1));

  // The last whole day before the start at which the expected curve reaches capacity.
  let selloutDays: number | null = null;
  if (cap > 0)
    for (let d = Math.floor(daysBefore); d >= 0; d--)
      if (model.expectedShareAt(d) >= 1 - 1e-9) {
        selloutDays = d;
        break;
      }

  const expected7 =
    cap > 0 ? Math.max(0, cap * (model.expectedShareAt(daysBefore) - expectedBefore(model, daysBefore))) : null;
  const expectedNow = cap > 0 ? cap * expectedGain(model, daysBefore) : null;
  const demand: Forecast['demand'] = {
    sold_last_7d: event.soldLast7d,
    expected_last_7d: expected7 === null ? null : round1(expected7),
    velocity_index:
      event.soldLast7d === null || !expected7 || expected7 < 0.5 ? null : round3(event.soldLast7d / expected7),
    pace_index: expectedNow && expectedNow >= 0.5 ? round3(sold / expectedNow) : null,
    waitlist_size: event.waitlistSize,
    page_views_7d: event.pageViews7d,
  };

  const path: Forecast['path'] = [];
  if (cap > 0) {
    const step = Math.max(1, Math.ceil(daysBefore / 60));
    const gain = predicted - sold;
    for (let d = Math.floor(daysBefore); d >= 0; d -= step) {
      const expected = cap * clamp(model.expectedShareAt(d), s, 1);
      const part = gain > 0 ? (expected - sold) / gain : 0;
      path.push({
        days_before: d,
        expected: round1(expected),
        lower: round1(sold + part * (lower - sold)),
        upper: round1(Math.min(cap, sold + part * (upper - sold))),
      });
    }
    if (path.length && path[path.length - 1].days_before !== 0)
      path.push({ days_before: 0, expected: predicted, lower, upper });
  }

  return {
    method,
    inputs: {
      days_before: round3(daysBefore),
      sold,
      capacity: cap,
      past_events_used: method === 'pickup' ? pool.length : past.length,
      past_event_ids: (method === 'pickup' ? pool : past).map((e) => e.id),
      similar_by: method === 'pickup' ? similarBy : 'none',
      category: event.category,
      mean_pickup_share: round3(meanPickup),
      pickup_share_sd: sd === null ? null : round3(sd),
      multiplicative_estimate: multiplicative === null ? null : Math.min(cap, Math.max(sold, multiplicative)),
      interval_method: intervalMethod,
    },
    predicted_final_sales: predicted,
    interval: { level: INTERVAL_LEVEL, lower, upper },
    sellout_probability: selloutProbability,
    expected_sellout_days_before: selloutDays,
    demand,
    pricing_suggestion: pricingSuggestion({
      cap,
      predicted,
      selloutProbability,
      selloutDays,
      daysBefore,
      waitlist: event.waitlistSize,
      options,
    }),
    path,
  };
}

/** Expected share sold 7 days earlier than `days`, by the model (for the velocity indicator). */
function expectedBefore(model: PickupModel, days: number): number {
  return model.expectedShareAt(days + 7);
}

/** The share the model expects sold by `days` before the start, from when sales began (to compare pace). */
function expectedGain(model: PickupModel, days: number): number {
  return model.expectedShareAt(days) - model.expectedShareAt(MAX_DAYS_BEFORE);
}

function pricingSuggestion(p: {
  cap: number;
  predicted: number;
  selloutProbability: number;
  selloutDays: number | null;
  daysBefore: number;
  waitlist: number | null;
  options: ForecastOptions;
}): Forecast['pricing_suggestion'] {
  const { cap, predicted, selloutProbability, selloutDays, options } = p;
  if (cap === 0) return { action: 'hold', suggested_change_pct: 0, reason: 'The event has no capacity to price' };
  const pct = Math.round(selloutProbability * 100);
  if (
    selloutProbability >= options.raiseAtProbability &&
    selloutDays !== null &&
    selloutDays >= options.raiseWhenSelloutDaysEarly
  ) {
    const change = selloutDays >= 21 ? 15 : 10;
    const waitlist = p.waitlist ? `, ${p.waitlist} on the waitlist` : '';
    return {
      action: 'raise_price',
      suggested_change_pct: change,
      reason: `Sellout is ${pct}% likely and the usual booking curve reaches capacity ${selloutDays} days before the start${waitlist}: demand supports a higher price`,
    };
  }
  const share = predicted / cap;
  if (share < options.promoteBelowShare && selloutProbability <= options.promoteBelowProbability && p.daysBefore >= 1) {
    const change = share < 0.4 ? -15 : -10;
    return {
      action: 'promote_or_discount',
      suggested_change_pct: change,
      reason: `The forecast fills ${Math.round(share * 100)}% of capacity (sellout ${pct}% likely): promote the event or lower the price`,
    };
  }
  return {
    action: 'hold',
    suggested_change_pct: 0,
    reason: `The forecast fills ${Math.round(share * 100)}% of capacity with sellout ${pct}% likely: no change suggested`,
  };
}
