/** The two-sided 95% normal quantile. */
export const Z_95 = 1.959963984540054;

/** What an NPS report can be broken down by; time buckets are UTC days, ISO weeks and months. */
export const NPS_GROUPS = ['event', 'ticket_type', 'gate', 'day', 'week', 'month'] as const;
export type NpsGroup = (typeof NPS_GROUPS)[number];

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

/** 9–10 promoter, 7–8 passive, 0–6 detractor. */
export const npsCategory = (score: number): NpsCategory =>
  score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';

export interface NpsCounts {
  promoters: number;
  passives: number;
  detractors: number;
}

export interface NpsSummary extends NpsCounts {
  responses: number;
  /** % promoters minus % detractors, -100..100; null without responses. */
  nps: number | null;
  /** Half-width of the 95% confidence interval, in NPS points; null under two responses. */
  margin_of_error: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export function countScores(scores: readonly number[]): NpsCounts {
  const counts: NpsCounts = { promoters: 0, passives: 0, detractors: 0 };
  for (const s of scores) counts[`${npsCategory(s)}s` as keyof NpsCounts] += 1;
  return counts;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * NPS with its margin of error. Each respondent scores +1 (promoter), 0 (passive) or -1 (detractor);
 * NPS is their mean, p_P - p_D, times 100. The variance of one score is p_P + p_D - (p_P - p_D)^2, so
 * the standard error is sqrt((p_P + p_D - (p_P - p_D)^2) / n) and the 95% margin is z·SE·100 with
 * z = 1.96 (normal approximation; the interval is clamped to -100..100).
 */
export function npsSummary({ promoters, passives, detractors }: NpsCounts): NpsSummary {
  const counts = { promoters, passives, detractors };
  const n = counts.promoters + counts.passives + counts.detractors;
  if (n === 0) return { ...counts, responses: 0, nps: null, margin_of_error: null, ci_low: null, ci_high: null };
  const pP = counts.promoters / n;
  const pD = counts.detractors / n;
  const nps = (pP - pD) * 100;
  if (n < 2) return { ...counts, responses: n, nps: round1(nps), margin_of_error: null, ci_low: null, ci_high: null };
  const variance = pP + pD - (pP - pD) ** 2;
  const margin = Z_95 * Math.sqrt(variance / n) * 100;
  return {
    ...counts,
    responses: n,
    nps: round1(nps),
    margin_of_error: round1(margin),
    ci_low: round1(Math.max(-100, nps - margin)),
    ci_high: round1(Math.min(100, nps + margin)),
  };
}
