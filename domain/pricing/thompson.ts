import { posterior, probabilityToBeBest } from './ab-stats';

/**
 * Thompson sampling as probability matching: each arm gets the share of new visitors equal to the
 * probability that its revenue per visitor is the best (Beta posterior of conversion, scaled by the
 * arm's price), computed exactly instead of by drawing samples, so the weights are reproducible.
 * Arms the guardrails forbid get none; every other arm keeps at least `minShare` so the test goes
 * on learning about it.
 */
export interface ThompsonArm {
  priceMinor: number;
  exposures: number;
  conversions: number;
  /** Inside the tenant's guardrail floor and cap. */
  allowed: boolean;
}

export const DEFAULT_MIN_ARM_SHARE = 0.05;

export function thompsonWeights(arms: readonly ThompsonArm[], minShare = DEFAULT_MIN_ARM_SHARE): number[] {
  const allowed = arms.filter((a) => a.allowed);
  if (allowed.length === 0) return arms.map(() => 0);
  const best = probabilityToBeBest(allowed.map((a) => posterior(a.exposures, a.conversions, a.priceMinor)));
  const floored = best.map((p) => Math.max(p, minShare));
  const total = floored.reduce((a, b) => a + b, 0);
  let k = 0;
  return arms.map((a) => (a.allowed ? floored[k++] / total : 0));
}

/** Fixed mode: an equal share for every arm the guardrails allow. */
export function equalWeights(allowed: readonly boolean[]): number[] {
  const n = allowed.filter(Boolean).length;
  return allowed.map((ok) => (ok && n > 0 ? 1 / n : 0));
}
