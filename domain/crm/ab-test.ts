import { errorFunction } from 'simple-statistics';

/** One variant's test result: recipients it was sent to and how many of them clicked (or converted). */
export interface VariantOutcome {
  key: string;
  sent: number;
  successes: number;
}

export interface AbResult {
  winner: string;
  /** Rate of each variant (successes / sent; 0 when nothing was sent). */
  rates: Record<string, number>;
  /** Two-sided p-value of the winner against the runner-up (Bonferroni-adjusted over k-1 comparisons); null when untestable. */
  pValue: number | null;
  significant: boolean;
}

const normalCdf = (z: number): number => 0.5 * (1 + errorFunction(z / Math.SQRT2));

/**
 * Two-proportion z-test (pooled), two-sided. Null when there is no variance to test (no sends, or
 * every recipient of both behaved the same).
 */
export function twoProportionPValue(a: VariantOutcome, b: VariantOutcome): number | null {
  if (a.sent <= 0 || b.sent <= 0) return null;
  const pooled = (a.successes + b.successes) / (a.sent + b.sent);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.sent + 1 / b.sent));
  if (se === 0) return null;
  const z = (a.successes / a.sent - b.successes / b.sent) / se;
  return Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
}

/**
 * Picks the variant with the best rate. The campaign's remaining audience needs a variant whatever
 * the test says, so an insignificant result still names the best (first on ties), flagged as such.
 */
export function chooseWinner(outcomes: VariantOutcome[], alpha = 0.05): AbResult {
  if (!outcomes.length) throw new Error('no variants');
  const rate = (o: VariantOutcome): number => (o.sent > 0 ? o.successes / o.sent : 0);
  const ranked = [...outcomes].sort((x, y) => rate(y) - rate(x) || x.key.localeCompare(y.key));
  const [best, second] = ranked;
  const raw = second ? twoProportionPValue(best, second) : null;
  const pValue = raw === null ? null : Math.min(1, raw * Math.max(1, outcomes.length - 1));
  return {
    winner: best.key,
    rates: Object.fromEntries(outcomes.map((o) => [o.key, rate(o)])),
    pValue,
    significant: pValue !== null && pValue < alpha && rate(best) > rate(second ?? best),
  };
}
