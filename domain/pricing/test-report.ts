import {
  momentsOf,
  posterior,
  probabilityToBeBest,
  twoProportionZTest,
  welchTTest,
  type TTest,
  type ZTest,
} from './ab-stats';

/** One arm's counts, as the database aggregates them. Arm 0 is the control. */
export interface ArmSummary {
  arm: number;
  priceMinor: number;
  weight: number;
  exposures: number;
  /** Exposed visitors who paid at least one order at this arm's quote. */
  conversions: number;
  revenueMinor: number;
  /** Sum over visitors of their revenue squared: with revenueMinor, the variance of revenue per visitor. */
  revenueSquares: number;
}

export interface ArmReport extends ArmSummary {
  conversionRate: number;
  revenuePerVisitor: number;
  /** Against the control; null for the control itself or while untestable. */
  conversionTest: ZTest | null;
  revenueTest: TTest | null;
  probabilityBest: number;
  probabilityBestRevenue: number;
}

export interface TestDecision {
  /** The arm with the best revenue per visitor (the lower arm on ties, so the control first). */
  leader: number;
  runnerUp: number | null;
  /** Welch p-value of the leader against the runner-up, Bonferroni-adjusted over the other arms. */
  pValue: number | null;
  significant: boolean;
}

export interface TestReport {
  arms: ArmReport[];
  exposures: number;
  conversions: number;
  decision: TestDecision;
}

const moments = (a: ArmSummary) => momentsOf(a.exposures, a.revenueMinor, a.revenueSquares);
const rpv = (a: ArmSummary): number => (a.exposures > 0 ? a.revenueMinor / a.exposures : 0);

export function buildReport(arms: readonly ArmSummary[], confidence: number): TestReport {
  const sorted = [...arms].sort((a, b) => a.arm - b.arm);
  const control = sorted[0];
  const best = probabilityToBeBest(sorted.map((a) => posterior(a.exposures, a.conversions)));
  const bestRevenue = probabilityToBeBest(sorted.map((a) => posterior(a.exposures, a.conversions, a.priceMinor)));
  const reports = sorted.map((a, i): ArmReport => ({
    ...a,
    conversionRate: a.exposures > 0 ? a.conversions / a.exposures : 0,
    revenuePerVisitor: rpv(a),
    conversionTest:
      i === 0
        ? null
        : twoProportionZTest(
            { n: control.exposures, successes: control.conversions },
            { n: a.exposures, successes: a.conversions },
          ),
    revenueTest: i === 0 ? null : welchTTest(moments(control), moments(a)),
    probabilityBest: best[i],
    probabilityBestRevenue: bestRevenue[i],
  }));
  const ranked = [...sorted].sort((a, b) => rpv(b) - rpv(a) || a.arm - b.arm);
  const [leader, runnerUp] = ranked;
  const raw = runnerUp ? welchTTest(moments(runnerUp), moments(leader)) : null;
  const pValue = raw && Math.min(1, raw.pValue * Math.max(1, sorted.length - 1));
  return {
    arms: reports,
    exposures: sorted.reduce((s, a) => s + a.exposures, 0),
    conversions: sorted.reduce((s, a) => s + a.conversions, 0),
    decision: {
      leader: leader.arm,
      runnerUp: runnerUp?.arm ?? null,
      pValue,
      significant: pValue !== null && pValue < 1 - confidence && rpv(leader) > rpv(runnerUp ?? leader),
    },
  };
}

export type TestOutcome = { done: false } | { done: true; winner: number; because: 'significant' | 'sample_size' };

/**
 * Ends a running test once every arm has `minSample` exposures and the leader is significantly
 * ahead, or once `sampleSize` exposures are in; the winner is the arm with the best revenue per visitor.
 */
export function decideTest(report: TestReport, opts: { sampleSize: number; minSample: number }): TestOutcome {
  const { leader, significant } = report.decision;
  if (significant && report.arms.every((a) => a.exposures >= opts.minSample))
    return { done: true, winner: leader, because: 'significant' };
  if (report.exposures >= opts.sampleSize) return { done: true, winner: leader, because: 'sample_size' };
  return { done: false };
}
