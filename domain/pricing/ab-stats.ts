import { jStat } from 'jstat';

/**
 * Statistics of A/B price tests, pure: a two-proportion z-test on conversion, Welch's t-test on
 * revenue per visitor, and the Bayesian probability that each arm is best from Beta posteriors,
 * integrated exactly (numerically) rather than sampled, so a report is the same every time.
 * Distributions come from jStat.
 */

export interface ZTest {
  z: number;
  pValue: number;
}

export interface TTest {
  t: number;
  df: number;
  pValue: number;
}

/** Pooled two-proportion z-test, two-sided, of b against a; null when there is nothing to test. */
export function twoProportionZTest(
  a: { n: number; successes: number },
  b: { n: number; successes: number },
): ZTest | null {
  if (a.n <= 0 || b.n <= 0) return null;
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  if (se === 0) return null;
  const z = (b.successes / b.n - a.successes / a.n) / se;
  return { z, pValue: Math.min(1, 2 * (1 - jStat.normal.cdf(Math.abs(z), 0, 1))) };
}

export interface SampleMoments {
  n: number;
  mean: number;
  /** Sample variance (n - 1 in the denominator). */
  variance: number;
}

/** Moments from a sum and a sum of squares, as SQL aggregates give them. */
export function momentsOf(n: number, sum: number, sumSquares: number): SampleMoments {
  if (n <= 0) return { n: 0, mean: 0, variance: 0 };
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumSquares - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/** Welch's unequal-variance t-test, two-sided, of b against a; null without two observations each or any variance. */
export function welchTTest(a: SampleMoments, b: SampleMoments): TTest | null {
  if (a.n < 2 || b.n < 2) return null;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  if (se2 === 0) return null;
  const t = (b.mean - a.mean) / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return { t, df, pValue: Math.min(1, 2 * (1 - jStat.studentt.cdf(Math.abs(t), df))) };
}

/** A Beta posterior of a conversion rate, scaled by `scale` (a price, for revenue per visitor; 1 for conversion). */
export interface ScaledBeta {
  alpha: number;
  beta: number;
  scale: number;
}

/** The Beta(1, 1)-prior posterior of `successes` in `n`. */
export const posterior = (n: number, successes: number, scale = 1): ScaledBeta => ({
  alpha: 1 + successes,
  beta: 1 + Math.max(0, n - successes),
  scale,
});

const STEPS = 1000;

/** Where nearly all of a Beta's mass lies: twelve standard deviations around the mean, within [0, 1]. */
function support({ alpha, beta }: ScaledBeta): [number, number] {
  const mean = alpha / (alpha + beta);
  const sd = Math.sqrt((alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1)));
  return [Math.max(0, mean - 12 * sd), Math.min(1, mean + 12 * sd)];
}

/**
 * P(scale_i * p_i is the largest) for each arm, p_i ~ Beta: the integral over x of arm i's density
 * times every other arm's probability of staying below scale_i * x / scale_j (Simpson's rule over
 * arm i's support). With equal scales it is the probability of the best conversion rate.
 */
export function probabilityToBeBest(arms: readonly ScaledBeta[]): number[] {
  if (arms.length === 0) return [];
  if (arms.length === 1) return [1];
  const raw = arms.map((arm, i) => {
    if (arm.scale <= 0) return 0;
    const [lo, hi] = support(arm);
    const h = (hi - lo) / STEPS;
    if (h <= 0) return 0;
    const f = (x: number): number => {
      let p = jStat.beta.pdf(x, arm.alpha, arm.beta);
      for (let j = 0; j < arms.length && p > 0; j++) {
        if (j === i) continue;
        const other = arms[j];
        const bound = other.scale > 0 ? (arm.scale * x) / other.scale : Infinity;
        p *= bound >= 1 ? 1 : jStat.beta.cdf(bound, other.alpha, other.beta);
      }
      return Number.isFinite(p) ? p : 0;
    };
    let sum = f(lo) + f(hi);
    for (let s = 1; s < STEPS; s++) sum += f(lo + s * h) * (s % 2 ? 4 : 2);
    return (sum * h) / 3;
  });
  const total = raw.reduce((a, b) => a + b, 0);
  return total > 0 ? raw.map((r) => r / total) : arms.map(() => 1 / arms.length);
}
