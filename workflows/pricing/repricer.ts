import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PricingActivities } from '../../activities/pricing';
import {
  demandRulesChangedSignal,
  getDemandSweepStateQuery,
  getRepricerStateQuery,
  rulesChangedSignal,
  type PricingDemandSweepInput,
  type PricingDemandSweepState,
  type PricingRepricerInput,
  type PricingRepricerState,
} from './repricer-contract';

const pricing = proxyActivities<PricingActivities>({
  // One evaluation is a few queries; a sweep page evaluates up to a thousand ticket types.
  startToCloseTimeout: '2 minutes',
  // Evaluation brings the price in line with the rules and guardrails, so a retry is safe.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const DEFAULT_EVALUATIONS_PER_RUN = 100;
const DEFAULT_SWEEPS_PER_RUN = 50;
const DEFAULT_SWEEP_CONCURRENCY = 3;

/**
 * Keeps one ticket type's price in line with its active rules: evaluates (and applies within the
 * guardrails), then sleeps until the engine's next tier boundary or time change, or until a
 * `rulesChanged` signal. Demand rules' periodic re-evaluation is the tenant's demand sweep's.
 * Ends when no active rules remain or the event has started; continues as new every
 * `evaluationsPerRun` evaluations.
 */
export async function pricingRepricerWorkflow(input: PricingRepricerInput): Promise<PricingRepricerState> {
  const state: PricingRepricerState = {
    status: 'evaluating',
    evaluations: input.evaluations ?? 0,
    priceMinor: null,
    nextEvaluationAt: null,
  };
  let signalled = false;
  setHandler(getRepricerStateQuery, () => state);
  setHandler(rulesChangedSignal, () => {
    signalled = true;
  });

  const perRun = input.evaluationsPerRun ?? DEFAULT_EVALUATIONS_PER_RUN;
  for (let run = 0; run < perRun; run++) {
    // A signal during the evaluation is not lost: it cuts the next sleep short.
    signalled = false;
    state.status = 'evaluating';
    const result = await pricing.pricingRulesEvaluate({ tenantId: input.tenantId, ticketTypeId: input.ticketTypeId });
    state.evaluations++;
    if (result.status === 'ended') {
      // A rule changed while it evaluated (say, resumed): look again rather than end.
      if (signalled) continue;
      state.status = 'ended';
      state.endedBecause = result.reason;
      return state;
    }
    state.priceMinor = result.priceMinor;
    state.nextEvaluationAt = result.nextEvaluationAt;
    state.status = 'sleeping';
    if (result.nextEvaluationAt === null) await condition(() => signalled);
    else await condition(() => signalled, Math.max(1, Date.parse(result.nextEvaluationAt) - Date.now()));
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof pricingRepricerWorkflow>({ ...input, evaluations: state.evaluations });
}

/**
 * Re-evaluates every ticket type of a tenant that has active demand rules in pages (each one
 * activity and one transaction, `concurrency` side by side), every `demand_evaluation_minutes`, or at once on a
 * `demandRulesChanged` signal. Ends when a sweep finds no active demand rules.
 */
export async function pricingDemandSweepWorkflow(input: PricingDemandSweepInput): Promise<PricingDemandSweepState> {
  const state: PricingDemandSweepState = {
    status: 'sweeping',
    sweeps: input.sweeps ?? 0,
    lastEvaluated: 0,
    lastChanged: 0,
  };
  let signalled = false;
  setHandler(getDemandSweepStateQuery, () => state);
  setHandler(demandRulesChangedSignal, () => {
    signalled = true;
  });

  const perRun = input.sweepsPerRun ?? DEFAULT_SWEEPS_PER_RUN;
  for (let run = 0; run < perRun; run++) {
    signalled = false;
    state.status = 'sweeping';
    const plan = await pricing.pricingRulesDemandPlan({ tenantId: input.tenantId });
    let evaluated = 0;
    let changed = 0;
    const concurrency = input.concurrency ?? DEFAULT_SWEEP_CONCURRENCY;
    for (let i = 0; i < plan.pages.length; i += concurrency) {
      const pages = await Promise.all(
        plan.pages
          .slice(i, i + concurrency)
          .map((p) => pricing.pricingRulesDemandSweep({ tenantId: input.tenantId, ...p })),
      );
      for (const page of pages) {
        evaluated += page.evaluated;
        changed += page.changed;
      }
    }
    state.sweeps++;
    state.lastEvaluated = evaluated;
    state.lastChanged = changed;
    if (evaluated === 0 && !signalled) {
      state.status = 'ended';
      return state;
    }
    state.status = 'sleeping';
    await condition(() => signalled, input.intervalMs ?? plan.intervalMs);
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof pricingDemandSweepWorkflow>({ ...input, sweeps: state.sweeps });
}
