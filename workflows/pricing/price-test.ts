import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PricingActivities } from '../../activities/pricing';
import {
  checkPriceTestSignal,
  getPriceTestStateQuery,
  type PriceTestInput,
  type PriceTestState,
} from './price-test-contract';

const pricing = proxyActivities<PricingActivities>({
  // Aggregates a test's exposures and conversions and integrates the posteriors: well under a minute.
  startToCloseTimeout: '2 minutes',
  // The check holds the test's row and ends it at most once (guarded by its status), so a retry is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const DEFAULT_CHECKS_PER_RUN = 200;

/**
 * Watches a running A/B price test: every `checkIntervalS` (or at once when signalled) it looks at
 * the statistics, which ends the test and applies the winner when it is significant with the
 * minimum sample or at the sample size, and in Thompson mode shifts new visitors' shares. Exposures
 * and conversions are database rows, never state here, so a restarted worker loses none. Ends when
 * the test is completed, stopped or deleted; continues as new every `checksPerRun` looks.
 */
export async function pricingPriceTestWorkflow(input: PriceTestInput): Promise<PriceTestState> {
  const state: PriceTestState = {
    status: 'waiting',
    checks: input.checks ?? 0,
    exposures: 0,
    weights: [],
    winnerArm: null,
  };
  let wake = false;
  setHandler(getPriceTestStateQuery, () => state);
  setHandler(checkPriceTestSignal, () => {
    wake = true;
  });

  const perRun = input.checksPerRun ?? DEFAULT_CHECKS_PER_RUN;
  for (let run = 0; run < perRun; run++) {
    await condition(() => wake, input.checkIntervalS * 1000);
    wake = false;
    state.status = 'checking';
    const result = await pricing.pricingTestsCheck({ tenantId: input.tenantId, testId: input.testId });
    state.checks++;
    if (result.status === 'running') {
      state.status = 'waiting';
      state.exposures = result.exposures;
      state.weights = result.weights;
      continue;
    }
    state.status = result.status === 'draft' ? 'stopped' : result.status;
    if (result.status === 'completed') state.winnerArm = result.winnerArm;
    return state;
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof pricingPriceTestWorkflow>({ ...input, checks: state.checks });
}
