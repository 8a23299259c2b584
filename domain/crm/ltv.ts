import gammaln from '@stdlib/math-base-special-gammaln';
import { nelderMead } from 'fmin';

/**
 * Customer lifetime value and churn from a real model, fitted per tenant:
 *
 * - BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
 *   customer buys at a Poisson rate λ ~ Gamma(r, α); after each repeat purchase they drop out with
 *   probability p ~ Beta(a, b). Fitted by maximum likelihood on each customer's (x repeat purchases,
 *   t_x time of the last purchase, T age), both measured from the first purchase.
 * - Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): order values
 *   ~ Gamma(p, ν) around a customer's mean, ν ~ Gamma(q, γ); fitted on customers with x ≥ 1.
 *
 * CLV = expected purchases over the horizon × expected average order value (undiscounted).
 * Churn probability = 1 − P(alive). Time is measured in weeks (`TIME_UNIT_DAYS`), as in the
 * papers, so fitted parameters compare with the published CDNOW ones.
 *
 * Fallback (fewer than `MIN_REPEAT_CUSTOMERS` customers with a repeat purchase, or a fit that does
 * not converge to finite parameters): too little repeat behaviour to identify the dropout process,
 * so CLV = the customer's historical AOV × their historical purchase rate (orders per day over at
 * least a year of observation, so a new customer is not extrapolated from one day) × horizon, and
 * churn probability = 1 − exp(−recency / g), with g the tenant's median inter-purchase gap (365
 * days when nobody has bought twice): a customer silent for one typical gap is at 0.63.
 */

export const TIME_UNIT_DAYS = 7;
export const MIN_REPEAT_CUSTOMERS = 50;
export const DEFAULT_HORIZON_DAYS = 365;
const FALLBACK_GAP_DAYS = 365;

/** A customer's purchase history as the models need it (times in days since their first purchase). */
export interface PurchaseHistory {
  /** Repeat purchases: orders − 1. */
  x: number;
  /** Days from the first to the last purchase. */
  tx: number;
  /** Days from the first purchase to now. */
  T: number;
  /** Average order value (minor units) over all of the customer's orders (x + 1 of them). */
  aov: number;
}

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export type LtvModel =
  | {
      method: 'bgnbd_gg';
      bgnbd: BgNbdParams;
      gg: GammaGammaParams;
      customers: number;
      repeatCustomers: number;
      logLikelihood: number;
    }
  | {
      method: 'fallback';
      /** The tenant's median days between purchases of repeat customers (or the default). */
      medianGapDays: number;
      customers: number;
      repeatCustomers: number;
      reason: string;
    };

export interface CustomerPrediction {
  expectedPurchases: number;
  pAlive: number;
  expectedAov: number;
  clvMinor: number;
  churnProbability: number;
  churnRisk: ChurnRisk;
}

export type ChurnRisk = 'low' | 'medium' | 'high';

/** low < 0.3 ≤ medium < 0.7 ≤ high. */
export const churnRiskOf = (probability: number): ChurnRisk =>
  probability < 0.3 ? 'low' : probability < 0.7 ? 'medium' : 'high';

const toUnits = (days: number): number => days / TIME_UNIT_DAYS;

function logSumExp(u: number, v: number): number {
  const m = Math.max(u, v);
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}

/** The BG/NBD log-likelihood of one customer, in closed form (FHL 2005, eq. 6), times in model units. */
export function bgnbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
  const a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return a1 + a2 + logSumExp(a3, a4);
}

/** Gauss's hypergeometric series 2F1(a, b; c; z) for 0 ≤ z < 1, summed until its terms vanish. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let j = 0; j < 100_000; j++) {
    term *= ((a + j) * (b + j) * z) / ((c + j) * (j + 1));
    sum += term;
    if (Math.abs(term) < 1e-12 * Math.abs(sum)) break;
  }
  return sum;
}

/** P(alive | x, t_x, T) (Fader, Hardie & Lee 2008 note, eq. 1), times in model units. */
export function pAlive({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  return 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next `t` (FHL 2005, eq. 10), times in model units. */
export function conditionalExpectedPurchases(
  { r, alpha, a, b }: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const z = t / (alpha + T + t);
  const head = (a + b + x - 1) / (a - 1);
  const tail = 1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
  const denom = 1 + (x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x) : 0);
  return (head * tail) / denom;
}

/** Gamma-Gamma log-likelihood of a customer with `n` orders averaging `m` (Fader & Hardie 2013, eq. 3 marginal). */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, n: number, m: number): number {
  return (
    gammaln(p * n + q) -
    gammaln(p * n) -
    gammaln(q) +
    q * Math.log(gamma) +
    (p * n - 1) * Math.log(m) +
    p * n * Math.log(n) -
    (p * n + q) * Math.log(gamma + m * n)
  );
}

/** E[M | n orders averaging m]: the customer's expected average order value (Fader & Hardie 2013, eq. 5). */
export const conditionalExpectedAov = ({ p, q, gamma }: GammaGammaParams, n: number, m: number): number =>
  (p * (gamma + n * m)) / (p * n + q - 1);

/** Parameters are searched within e^±10 (4.5e-5 .. 22,026): a limit such as "no dropout" (a → 0) ends at the wall. */
const LOG_BOUND = 10;

/** Maximises a log-likelihood over positive parameters (Nelder-Mead on their logarithms, restarted once). */
function maximise(
  logLik: (params: number[]) => number,
  start: number[],
): { params: number[]; logLikelihood: number } | undefined {
  const negative = (logs: number[]): number => {
    if (logs.some((l) => Math.abs(l) > LOG_BOUND)) return Number.MAX_VALUE;
    const v = logLik(logs.map(Math.exp));
    return Number.isFinite(v) ? -v : Number.MAX_VALUE;
  };
  let best = nelderMead(negative, start.map(Math.log), { maxIterations: 1500, zeroDelta: 0.5, nonZeroDelta: 1.5 });
  // A restart from the optimum escapes a collapsed simplex, a known weakness of Nelder-Mead.
  best = nelderMead(negative, best.x, { maxIterations: 1500, zeroDelta: 0.2, nonZeroDelta: 1.2 });
  const params = best.x.map(Math.exp);
  if (!params.every((v) => Number.isFinite(v) && v > 0) || best.fx === Number.MAX_VALUE) return undefined;
  return { params, logLikelihood: -best.fx };
}

/**
 * The total BG/NBD log-likelihood of many customers, equal to summing `bgnbdLogLikelihood` but with
 * the Gamma-function terms computed once per distinct x (a tenant has a few dozen), so one
 * evaluation over 100,000 customers costs a few logarithms each.
 */
export function bgnbdTotalLogLikelihood(
  { r, alpha, a, b }: BgNbdParams,
  x: ArrayLike<number>,
  tx: ArrayLike<number>,
  T: ArrayLike<number>,
): number {
  const byX = new Map<number, { head: number; lnA4: number }>();
  const shared = gammaln(a + b) - gammaln(b) - gammaln(r) + r * Math.log(alpha);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    let k = byX.get(xi);
    if (!k) {
      k = {
        head: shared + gammaln(r + xi) + gammaln(b + xi) - gammaln(a + b + xi),
        lnA4: xi > 0 ? Math.log(a) - Math.log(b + xi - 1) : 0,
      };
      byX.set(xi, k);
    }
    const a3 = -(r + xi) * Math.log(alpha + T[i]);
    sum += xi === 0 ? k.head + a3 : k.head + logSumExp(a3, k.lnA4 - (r + xi) * Math.log(alpha + tx[i]));
  }
  return sum;
}

/** Fits BG/NBD by maximum likelihood on histories (days), in model units. */
export function fitBgNbd(
  histories: readonly PurchaseHistory[],
): { params: BgNbdParams; logLikelihood: number } | undefined {
  const x = Int32Array.from(histories, (h) => h.x);
  const tx = Float64Array.from(histories, (h) => toUnits(h.tx));
  const T = Float64Array.from(histories, (h) => toUnits(h.T));
  const fit = maximise(([r, alpha, a, b]) => bgnbdTotalLogLikelihood({ r, alpha, a, b }, x, tx, T), [1, 1, 1, 1]);
  if (!fit) return undefined;
  const [r, alpha, a, b] = fit.params;
  return { params: { r, alpha, a, b }, logLikelihood: fit.logLikelihood };
}

/** Fits Gamma-Gamma on customers with at least one repeat purchase and a positive AOV. */
export function fitGammaGamma(histories: readonly PurchaseHistory[]): GammaGammaParams | undefined {
  const repeat = histories.filter((h) => h.x >= 1 && h.aov > 0);
  if (!repeat.length) return undefined;
  // Scaled to a mean of about 1 so the optimiser starts near the optimum whatever the currency.
  const scale = repeat.reduce((s, h) => s + h.aov, 0) / repeat.length;
  const n = Int32Array.from(repeat, (h) => h.x + 1);
  const m = Float64Array.from(repeat, (h) => h.aov / scale);
  // Logarithms of the data, computed once for every evaluation.
  const lnM = m.map(Math.log);
  const lnN = Float64Array.from(n, Math.log);
  const fit = maximise(
    ([p, q, gamma]) => {
      const byN = new Map<number, number>();
      const shared = q * Math.log(gamma) - gammaln(q);
      let sum = 0;
      for (let i = 0; i < n.length; i++) {
        const pn = p * n[i];
        let head = byN.get(n[i]);
        if (head === undefined) {
          head = shared + gammaln(pn + q) - gammaln(pn);
          byN.set(n[i], head);
        }
        sum += head + (pn - 1) * lnM[i] + pn * lnN[i] - (pn + q) * Math.log(gamma + m[i] * n[i]);
      }
      return sum;
    },
    [1, 2, 1],
  );
  if (!fit) return undefined;
  const [p, q, gamma] = fit.params;
  // q ≤ 1 has no finite expected spend: the model does not describe these customers.
  if (q <= 1) return undefined;
  return { p, q, gamma: gamma * scale };
}

const median = (values: number[]): number => {
  if (!values.length) return NaN;
  const s = [...values].sort((u, v) => u - v);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** The tenant's model: BG/NBD + Gamma-Gamma when there is enough repeat history, else the fallback. */
export function fitLtvModel(histories: readonly PurchaseHistory[]): LtvModel {
  const repeatCustomers = histories.filter((h) => h.x >= 1).length;
  const gaps = histories.filter((h) => h.x >= 1 && h.tx > 0).map((h) => h.tx / h.x);
  const fallback = (reason: string): LtvModel => ({
    method: 'fallback',
    medianGapDays: gaps.length ? Math.max(median(gaps), 1) : FALLBACK_GAP_DAYS,
    customers: histories.length,
    repeatCustomers,
    reason,
  });
  if (repeatCustomers < MIN_REPEAT_CUSTOMERS)
    return fallback(`fewer than ${MIN_REPEAT_CUSTOMERS} customers with a repeat purchase`);
  const bg = fitBgNbd(histories);
  if (!bg) return fallback('the BG/NBD fit did not converge');
  const gg = fitGammaGamma(histories);
  if (!gg) return fallback('the Gamma-Gamma fit did not converge');
  return {
    method: 'bgnbd_gg',
    bgnbd: bg.params,
    gg,
    customers: histories.length,
    repeatCustomers,
    logLikelihood: bg.logLikelihood,
  };
}

/** One customer's expected purchases, expected AOV, CLV and churn over `horizonDays`. */
export function predictCustomer(model: LtvModel, h: PurchaseHistory, horizonDays: number): CustomerPrediction {
  if (model.method === 'bgnbd_gg') {
    const [t, tx, T] = [toUnits(horizonDays), toUnits(h.tx), toUnits(h.T)];
    const expectedPurchases = Math.max(conditionalExpectedPurchases(model.bgnbd, t, h.x, tx, T), 0);
    const alive = pAlive(model.bgnbd, h.x, tx, T);
    const expectedAov = h.aov > 0 ? conditionalExpectedAov(model.gg, h.x + 1, h.aov) : 0;
    const churnProbability = 1 - alive;
    return {
      expectedPurchases,
      pAlive: alive,
      expectedAov,
      clvMinor: Math.round(expectedPurchases * expectedAov),
      churnProbability,
      churnRisk: churnRiskOf(churnProbability),
    };
  }
  const ratePerDay = (h.x + 1) / Math.max(h.T, 365);
  const expectedPurchases = ratePerDay * horizonDays;
  const recencyDays = Math.max(h.T - h.tx, 0);
  const churnProbability = 1 - Math.exp(-recencyDays / model.medianGapDays);
  return {
    expectedPurchases,
    pAlive: 1 - churnProbability,
    expectedAov: h.aov,
    clvMinor: Math.round(expectedPurchases * h.aov),
    churnProbability,
    churnRisk: churnRiskOf(churnProbability),
  };
}
