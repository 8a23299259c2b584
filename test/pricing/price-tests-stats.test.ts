import {
  momentsOf,
  posterior,
  probabilityToBeBest,
  twoProportionZTest,
  welchTTest,
} from '../../domain/pricing/ab-stats';
import { assignArm, hashPoint } from '../../domain/pricing/assignment';
import { buildReport, decideTest, type ArmSummary } from '../../domain/pricing/test-report';
import { equalWeights, thompsonWeights } from '../../domain/pricing/thompson';
import { verifyQuoteToken, signQuoteToken } from '../../domain/pricing/quote-token';

const momentsOfSample = (xs: number[]) =>
  momentsOf(
    xs.length,
    xs.reduce((s, x) => s + x, 0),
    xs.reduce((s, x) => s + x * x, 0),
  );

describe('price test statistics', () => {
  it('matches the textbook two-proportion z-test (200/1000 against 250/1000: z 2.677, p 0.0074)', () => {
    const r = twoProportionZTest({ n: 1000, successes: 200 }, { n: 1000, successes: 250 });
    expect(r?.z).toBeCloseTo(2.6774, 3);
    expect(r?.pValue).toBeCloseTo(0.00742, 4);
    // By hand: pooled 0.175, standard error 0.03102, z 1.612, p 0.107 (not significant).
    const weak = twoProportionZTest({ n: 300, successes: 45 }, { n: 300, successes: 60 });
    expect(weak?.z).toBeCloseTo(1.6116, 3);
    expect(weak?.pValue).toBeCloseTo(0.107, 3);
    expect(twoProportionZTest({ n: 0, successes: 0 }, { n: 10, successes: 1 })).toBeNull();
    expect(twoProportionZTest({ n: 10, successes: 0 }, { n: 10, successes: 0 })).toBeNull();
  });

  it("matches Welch's t-test on the textbook samples (t 2.46, df 25.0, p 0.021)", () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welchTTest(momentsOfSample(a), momentsOfSample(b));
    expect(r?.t).toBeCloseTo(2.4554, 3);
    expect(r?.df).toBeCloseTo(24.99, 1);
    expect(r?.pValue).toBeCloseTo(0.0214, 3);
    expect(welchTTest(momentsOfSample([1]), momentsOfSample([2, 3]))).toBeNull();
  });

  it('integrates the probability to be best of Beta posteriors', () => {
    // Beta(11, 91) against Beta(21, 81): P(B > A) is 0.975 by exact summation.
    const [a, b] = probabilityToBeBest([posterior(100, 10), posterior(100, 20)]);
    expect(b).toBeCloseTo(0.975, 2);
    expect(a + b).toBeCloseTo(1, 9);
    expect(probabilityToBeBest([posterior(50, 5), posterior(50, 5)])).toEqual([0.5, 0.5]);
    // Large samples: a normal approximation of the difference (z = 0.745) gives 0.772.
    const big = probabilityToBeBest([posterior(100_000, 10_000), posterior(100_000, 10_100)]);
    expect(big[1]).toBeCloseTo(0.772, 2);
    // Scaled by price: 60% at 40 earns more per visitor than 20% at 50.
    const revenue = probabilityToBeBest([posterior(30, 6, 5000), posterior(30, 18, 4000)]);
    expect(revenue[1]).toBeGreaterThan(0.99);
  });

  it('assigns a visitor the same arm every time, splitting visitors by the weights', () => {
    expect(assignArm(7, 'c:42', [0.5, 0.5])).toBe(assignArm(7, 'c:42', [0.5, 0.5]));
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[assignArm(7, `v:${i}`, [0.2, 0.3, 0.5])]++;
    expect(counts[0] / 3000).toBeCloseTo(0.2, 1);
    expect(counts[2] / 3000).toBeCloseTo(0.5, 1);
    expect(assignArm(7, 'c:42', [0, 0, 1])).toBe(2);
    expect(hashPoint(7, 'c:42')).toBeGreaterThanOrEqual(0);
    expect(hashPoint(7, 'c:42')).toBeLessThan(1);
  });

  it('shifts Thompson weights toward the better revenue per visitor, never below the floor share, never to a forbidden arm', () => {
    const w = thompsonWeights([
      { priceMinor: 5000, exposures: 100, conversions: 10, allowed: true },
      { priceMinor: 4000, exposures: 100, conversions: 40, allowed: true },
      { priceMinor: 9000, exposures: 100, conversions: 40, allowed: false },
    ]);
    expect(w[2]).toBe(0);
    expect(w[1]).toBeGreaterThan(0.85);
    expect(w[0]).toBeGreaterThanOrEqual(0.04);
    expect(w[0] + w[1]).toBeCloseTo(1, 9);
    expect(equalWeights([true, false, true])).toEqual([0.5, 0, 0.5]);
  });

  it('ends a test early only when significant with the minimum sample, else at the sample size', () => {
    const arm = (a: number, price: number, n: number, c: number): ArmSummary => ({
      arm: a,
      priceMinor: price,
      weight: 0.5,
      exposures: n,
      conversions: c,
      revenueMinor: c * price,
      revenueSquares: c * price * price,
    });
    const strong = buildReport([arm(0, 5000, 30, 6), arm(1, 4000, 30, 18)], 0.95);
    expect(strong.decision).toMatchObject({ leader: 1, runnerUp: 0, significant: true });
    expect(decideTest(strong, { sampleSize: 1000, minSample: 20 })).toEqual({
      done: true,
      winner: 1,
      because: 'significant',
    });
    expect(decideTest(strong, { sampleSize: 1000, minSample: 40 })).toEqual({ done: false });
    const even = buildReport([arm(0, 5000, 50, 10), arm(1, 4000, 50, 12)], 0.95);
    expect(even.decision.significant).toBe(false);
    expect(decideTest(even, { sampleSize: 100, minSample: 10 })).toEqual({
      done: true,
      winner: 0,
      because: 'sample_size',
    });
    expect(strong.arms[1].conversionTest?.pValue).toBeLessThan(0.01);
    expect(strong.arms[0].conversionTest).toBeNull();
  });
});

describe('quote tokens', () => {
  it('verifies its own token, refuses an altered one and tells an expired one apart', async () => {
    const expires = new Date(Date.now() + 60_000);
    const token = await signQuoteToken('secret-a', { tenantId: 't1', quoteId: 9 }, expires);
    expect(await verifyQuoteToken('secret-a', token, new Date())).toEqual({
      ok: true,
      claims: { tenantId: 't1', quoteId: 9 },
    });
    expect(await verifyQuoteToken('secret-b', token, new Date())).toEqual({ ok: false, reason: 'invalid' });
    const tampered = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    expect(await verifyQuoteToken('secret-a', tampered, new Date())).toEqual({ ok: false, reason: 'invalid' });
    expect(await verifyQuoteToken('secret-a', token, new Date(expires.getTime() + 1000))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await verifyQuoteToken('secret-a', 'pq_nonsense', new Date())).toEqual({ ok: false, reason: 'invalid' });
  });
});
