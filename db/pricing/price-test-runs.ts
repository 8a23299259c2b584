import type { Tx } from '../connection';
import { emit } from '../platform/outbox';
import { buildReport, decideTest, type TestReport } from '../../domain/pricing/test-report';
import { equalWeights, thompsonWeights } from '../../domain/pricing/thompson';
import { guardrailsOf } from '../../domain/pricing/settings';
import { applyPriceChange, pricingSettings } from './changes';
import {
  armSummaries,
  getPriceTest,
  markPriceTestRunning,
  setArmWeights,
  setPriceTestStatus,
  type PriceTestRow,
} from './price-tests';

/** Which prices the tenant's guardrail floor and cap allow (a test may not quote what a rule could not set). */
export async function allowedByGuardrails(tx: Tx, prices: readonly number[]): Promise<boolean[]> {
  const { floorMinor, capMinor } = guardrailsOf(await pricingSettings(tx));
  return prices.map((p) => (floorMinor === null || p >= floorMinor) && (capMinor === null || p <= capMinor));
}

export async function testReport(tx: Tx, test: PriceTestRow): Promise<TestReport> {
  return buildReport(await armSummaries(tx, test.id), test.confidence);
}

export async function startPriceTest(tx: Tx, tenantId: string, id: number, now: Date) {
  const test = await markPriceTestRunning(tx, id, now);
  if (!test) return undefined;
  const arms = await armSummaries(tx, id);
  await emit(tx, tenantId, {
    type: 'pricing.test_started',
    aggregateType: 'price_test',
    aggregateId: id,
    payload: {
      test_id: id,
      ticket_type_id: test.ticket_type_id,
      event_id: test.event_id,
      mode: test.mode,
      prices_minor: arms.map((a) => a.priceMinor),
    },
  });
  return test;
}

export async function stopPriceTest(tx: Tx, tenantId: string, id: number, now: Date) {
  const test = await setPriceTestStatus(tx, id, 'running', 'stopped', { stopped_at: now });
  if (!test) return undefined;
  await emit(tx, tenantId, {
    type: 'pricing.test_stopped',
    aggregateType: 'price_test',
    aggregateId: id,
    payload: { test_id: id, ticket_type_id: test.ticket_type_id, event_id: test.event_id },
  });
  return test;
}

export type PriceTestCheck =
  | { status: 'gone' | 'draft' | 'stopped' }
  | { status: 'running'; exposures: number; weights: number[] }
  | { status: 'completed'; winnerArm: number };

/**
 * One look at a running test, in one transaction holding its row: ends it when `decideTest` says so
 * (the winner by revenue per visitor becomes the price through `applyPriceChange`, source `test`),
 * else sets new visitors' shares: in Thompson mode toward the arm likeliest to earn most.
 */
export async function checkPriceTest(tx: Tx, tenantId: string, id: number, now: Date): Promise<PriceTestCheck> {
  const test = await getPriceTest(tx, id, { lock: true });
  if (!test) return { status: 'gone' };
  if (test.status === 'completed') return { status: 'completed', winnerArm: test.winner_arm ?? 0 };
  if (test.status !== 'running') return { status: test.status };
  const report = await testReport(tx, test);
  const outcome = decideTest(report, { sampleSize: test.sample_size, minSample: test.min_sample });
  if (!outcome.done) {
    const allowed = await allowedByGuardrails(
      tx,
      report.arms.map((a) => a.priceMinor),
    );
    // Guardrails changed since the start take a forbidden arm out of new visitors' quotes in either mode.
    const weights =
      test.mode === 'thompson'
        ? thompsonWeights(
            report.arms.map((a, i) => ({
              priceMinor: a.priceMinor,
              exposures: a.exposures,
              conversions: a.conversions,
              allowed: allowed[i],
            })),
          )
        : equalWeights(allowed);
    await setArmWeights(tx, id, weights);
    return { status: 'running', exposures: report.exposures, weights };
  }
  const winner = report.arms.find((a) => a.arm === outcome.winner) ?? report.arms[0];
  await setPriceTestStatus(tx, id, 'running', 'completed', {
    completed_at: now,
    winner_arm: winner.arm,
    completed_because: outcome.because,
  });
  const applied = await applyPriceChange(tx, tenantId, {
    ticketTypeId: test.ticket_type_id,
    priceMinor: winner.priceMinor,
    reason: `price test ${id}: arm ${winner.arm} had the best revenue per visitor`,
    ruleId: null,
    source: 'test',
    now,
  });
  await emit(tx, tenantId, {
    type: 'pricing.test_completed',
    aggregateType: 'price_test',
    aggregateId: id,
    payload: {
      test_id: id,
      ticket_type_id: test.ticket_type_id,
      event_id: test.event_id,
      winner_arm: winner.arm,
      winner_price_minor: winner.priceMinor,
      because: outcome.because,
      exposures: report.exposures,
      conversions: report.conversions,
      applied_price_minor: applied.newPriceMinor,
    },
  });
  return { status: 'completed', winnerArm: winner.arm };
}
