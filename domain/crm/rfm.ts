/**
 * RFM quintile scores per tenant: each customer's rank among the tenant's purchasing customers on
 * recency (the most recent purchase scores 5), frequency (orders) and monetary value (net spend).
 * Ties score alike (a rank is 1 + the number of strictly smaller values), so when most customers
 * bought once they all share the lowest frequency score instead of being split at random as a plain
 * `ntile()` would.
 *
 * The same scores come from four breakpoints per measure: with values sorted ascending as s[1..n],
 * t_k = s[ceil(k·n/5)] for k = 1..4 (Postgres' `percentile_disc(k/5)`), and a value x scores
 * 1 + #{k : x > t_k}. The refresh reads the breakpoints in one scan and scores each chunk of
 * customers in the same statement that writes their lifetime value, so every row is written once.
 */

/** The quintile (1..5) of the `rank`-th smallest value (1-based, ties sharing the lowest rank) among `count`. */
export const quintileScore = (rank: number, count: number): number =>
  count <= 0 ? 1 : 1 + Math.floor((5 * (rank - 1)) / count);

/** Quintile scores of values, in their order: larger values score higher. */
export function scoreQuintiles(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const firstRank = new Map<number, number>();
  sorted.forEach((v, i) => {
    if (!firstRank.has(v)) firstRank.set(v, i + 1);
  });
  return values.map((v) => quintileScore(firstRank.get(v) ?? 1, values.length));
}

/** The combined score, e.g. 531 for R 5, F 3, M 1. */
export const rfmScore = (r: number, f: number, m: number): number => r * 100 + f * 10 + m;

/** t_1..t_4 of ascending `sorted` values (what `percentile_disc(array[0.2, 0.4, 0.6, 0.8])` returns). */
export const quintileBreakpoints = <T>(sorted: readonly T[]): T[] =>
  [1, 2, 3, 4].map((k) => sorted[Math.max(Math.ceil((k * sorted.length) / 5) - 1, 0)]);

/** A value's quintile from the breakpoints: equal to `quintileScore` of its rank. */
export const scoreFromBreakpoints = <T>(value: T, breakpoints: readonly T[]): number =>
  1 + breakpoints.filter((t) => value > t).length;
