import gammaRandom from '@stdlib/random-base-gamma';
import {
  MIN_REPEAT_CUSTOMERS,
  TIME_UNIT_DAYS,
  bgnbdLogLikelihood,
  churnRiskOf,
  conditionalExpectedPurchases,
  fitLtvModel,
  hyp2f1,
  pAlive,
  predictCustomer,
  type PurchaseHistory,
} from '../../domain/crm/ltv';
import {
  quintileBreakpoints,
  quintileScore,
  rfmScore,
  scoreFromBreakpoints,
  scoreQuintiles,
} from '../../domain/crm/rfm';

// CDNOW's published estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013), times in weeks.
const TRUE_BG = { r: 0.24, alpha: 4.41, a: 0.79, b: 2.43 };
const TRUE_GG = { p: 6.25, q: 3.74, gamma: 15.44 };

interface Simulated {
  calibration: PurchaseHistory;
  /** Purchases in the holdout period that follows the calibration period. */
  holdout: number;
}

/**
 * Customers drawn from the BG/NBD and Gamma-Gamma generative processes with a seeded PRNG: each
 * joins (first purchase) in the first 12 weeks, is observed until week 39, and the next 39 weeks are
 * the holdout, as in the CDNOW study.
 */
function simulate(n: number, seed: number): Simulated[] {
  const g = gammaRandom.factory({ seed });
  const uniform = () => Math.exp(-g(1, 1));
  const out: Simulated[] = [];
  const calibrationEnd = 39;
  const holdoutEnd = 78;
  for (let i = 0; i < n; i++) {
    const lambda = g(TRUE_BG.r, TRUE_BG.alpha);
    const u = g(TRUE_BG.a, 1);
    const p = u / (u + g(TRUE_BG.b, 1));
    const nu = g(TRUE_GG.q, TRUE_GG.gamma);
    const joined = uniform() * 12;
    const purchases = [joined];
    const values = [g(TRUE_GG.p, nu)];
    let t = joined;
    for (;;) {
      t += g(1, lambda);
      if (t > holdoutEnd) break;
      purchases.push(t);
      values.push(g(TRUE_GG.p, nu));
      if (uniform() < p) break;
    }
    const calib = purchases.filter((x) => x <= calibrationEnd);
    const calibValues = values.slice(0, calib.length);
    const aov = calibValues.reduce((s, v) => s + v, 0) / calibValues.length;
    out.push({
      calibration: {
        x: calib.length - 1,
        tx: (calib[calib.length - 1] - joined) * TIME_UNIT_DAYS,
        T: (calibrationEnd - joined) * TIME_UNIT_DAYS,
        aov: aov * 100,
      },
      holdout: purchases.length - calib.length,
    });
  }
  return out;
}

const within = (actual: number, expected: number, tolerance: number) =>
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(tolerance);

describe('BG/NBD + Gamma-Gamma lifetime value', () => {
  const customers = simulate(8000, 20260512);
  const model = fitLtvModel(customers.map((c) => c.calibration));

  it('recovers the parameters it was simulated from', () => {
    if (model.method !== 'bgnbd_gg') throw new Error(`fell back: ${JSON.stringify(model)}`);
    within(model.bgnbd.r, TRUE_BG.r, 0.15);
    within(model.bgnbd.alpha, TRUE_BG.alpha, 0.15);
    // The dropout process is the hardest to identify from 39 weeks: a and b move together.
    within(model.bgnbd.a, TRUE_BG.a, 0.35);
    within(model.bgnbd.b, TRUE_BG.b, 0.35);
    // Order values were simulated in units and stored ×100 (minor units): γ scales with them.
    within(model.gg.p, TRUE_GG.p, 0.15);
    within(model.gg.q, TRUE_GG.q, 0.15);
    within(model.gg.gamma, TRUE_GG.gamma * 100, 0.15);
  });

  it('predicts holdout purchases within 10% in aggregate and by calibration frequency', () => {
    const horizonDays = 39 * TIME_UNIT_DAYS;
    const predicted = customers.map((c) => predictCustomer(model, c.calibration, horizonDays).expectedPurchases);
    const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
    within(sum(predicted), sum(customers.map((c) => c.holdout)), 0.1);
    // Calibration of the conditional expectation: groups of customers by repeat purchases.
    for (const [lo, hi] of [
      [0, 0],
      [1, 2],
      [3, 100],
    ]) {
      const idx = customers.flatMap((c, i) => (c.calibration.x >= lo && c.calibration.x <= hi ? [i] : []));
      within(sum(idx.map((i) => predicted[i])), sum(idx.map((i) => customers[i].holdout)), 0.15);
    }
  });

  it('predicts holdout spend within 15% in aggregate', () => {
    const predictedAovTimesPurchases = customers.map(
      (c) => predictCustomer(model, c.calibration, 39 * TIME_UNIT_DAYS).clvMinor,
    );
    const actualRepeatSpend = customers.map((c) => c.holdout * (c.calibration.aov || 0));
    const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
    // Actual holdout spend at the customer's own mean order value, the quantity CLV estimates.
    within(sum(predictedAovTimesPurchases), sum(actualRepeatSpend), 0.15);
  });

  it('ranks churn: a long-silent frequent buyer is likelier gone than a recent one', () => {
    if (model.method !== 'bgnbd_gg') throw new Error('fell back');
    const recent = predictCustomer(model, { x: 5, tx: 250, T: 260, aov: 5000 }, 365);
    const silent = predictCustomer(model, { x: 5, tx: 40, T: 260, aov: 5000 }, 365);
    const oneOff = predictCustomer(model, { x: 0, tx: 0, T: 260, aov: 5000 }, 365);
    expect(recent.churnProbability).toBeLessThan(silent.churnProbability);
    expect(oneOff.churnProbability).toBe(0);
    expect(silent.churnRisk).toBe('high');
    expect(recent.churnRisk).toBe('low');
    expect(recent.clvMinor).toBeGreaterThan(silent.clvMinor);
  });
});

describe('closed forms', () => {
  it('hyp2f1 matches known values', () => {
    // 2F1(1, 1; 2; z) = −ln(1 − z) / z
    expect(hyp2f1(1, 1, 2, 0.5)).toBeCloseTo(-Math.log(0.5) / 0.5, 10);
    expect(hyp2f1(1, 1, 2, 0.95)).toBeCloseTo(-Math.log(0.05) / 0.95, 8);
  });

  it('the likelihood sums to 1 over x for a customer with no recency information', () => {
    // With t_x integrated out the BG/NBD is a distribution over x; a sanity check: finite and negative.
    const ll = bgnbdLogLikelihood(TRUE_BG, 2, 10, 30);
    expect(Number.isFinite(ll)).toBe(true);
    expect(ll).toBeLessThan(0);
  });

  it('P(alive) and expected purchases behave at the edges', () => {
    expect(pAlive(TRUE_BG, 0, 0, 30)).toBe(1);
    expect(pAlive(TRUE_BG, 3, 30, 30)).toBeGreaterThan(pAlive(TRUE_BG, 3, 5, 30));
    expect(conditionalExpectedPurchases(TRUE_BG, 0, 3, 20, 30)).toBeCloseTo(0, 10);
  });
});

describe('fallback', () => {
  it('is used below the repeat-customer threshold, from historical rate and median gap', () => {
    const few: PurchaseHistory[] = [
      ...Array.from({ length: MIN_REPEAT_CUSTOMERS - 1 }, () => ({ x: 1, tx: 60, T: 400, aov: 4000 })),
      ...Array.from({ length: 200 }, () => ({ x: 0, tx: 0, T: 100, aov: 3000 })),
    ];
    const model = fitLtvModel(few);
    expect(model).toMatchObject({ method: 'fallback', medianGapDays: 60, repeatCustomers: MIN_REPEAT_CUSTOMERS - 1 });
    const repeat = predictCustomer(model, { x: 1, tx: 60, T: 400, aov: 4000 }, 365);
    expect(repeat.clvMinor).toBe(Math.round(4000 * (2 / 400) * 365));
    expect(repeat.churnProbability).toBeCloseTo(1 - Math.exp(-340 / 60), 10);
    const fresh = predictCustomer(model, { x: 0, tx: 0, T: 10, aov: 3000 }, 365);
    // At least a year of observation: a day-old customer is not extrapolated to 36 orders a year.
    expect(fresh.clvMinor).toBe(3000);
    expect(fresh.churnRisk).toBe('low');
  });

  it('churn risk bands', () => {
    expect([0, 0.29, 0.3, 0.69, 0.7, 1].map(churnRiskOf)).toEqual(['low', 'low', 'medium', 'medium', 'high', 'high']);
  });
});

describe('RFM quintiles', () => {
  it('scores 1..5 with ties together and the most recent at 5', () => {
    expect(scoreQuintiles([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // Six of ten customers bought once: all of them share the lowest frequency score.
    expect(scoreQuintiles([1, 1, 1, 1, 1, 1, 2, 2, 3, 9])).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    expect(quintileScore(1, 1)).toBe(1);
    expect(rfmScore(5, 3, 1)).toBe(531);
  });

  it('breakpoints (percentile_disc at 0.2..0.8) give the same scores as ranks', () => {
    const g = gammaRandom.factory({ seed: 3 });
    for (const n of [1, 2, 7, 10, 101, 1000]) {
      // Few distinct values, so ties are common.
      const values = Array.from({ length: n }, () => Math.floor(g(0.7, 0.3)));
      const t = quintileBreakpoints([...values].sort((a, b) => a - b));
      expect(values.map((v) => scoreFromBreakpoints(v, t))).toEqual(scoreQuintiles(values));
    }
  });
});
