/**
 * RFM quintile scores per tenant: each customer's rank among the tenant's purchasing customers on
 * recency (the most recent purchase scores 5), frequency (orders) and monetary value (net spend).
 * Ties score alike (a rank is 1 + the number of strictly smaller values), so when most customers
 * bought once they all share the lowest frequency score instead of being split at random as a plain
 * `ntile()` would. The refresh computes the same formula in SQL with `rank()` over the whole tenant.
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

/** The SQL form of `quintileScore` over a window ordered by `expr` (trusted column names only). */
export const quintileSql = (expr: string): string =>
  `(1 + floor(5.0 * (rank() over (order by ${expr}) - 1) / count(*) over ()))::smallint`;
