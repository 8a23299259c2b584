import { withTenant } from '../../db/connection';
import { repriceTicketTypes } from '../../db/pricing/reprice';
import { pricingSettings } from '../../db/pricing/changes';
import { demandPageStarts, demandTicketTypes } from '../../db/pricing/rules';
import { DEFAULT_DEMAND_EVALUATION_MINUTES } from '../../domain/pricing/settings';
import {
  demandRulesChangedSignal,
  pricingDemandSweepStart,
  pricingDemandSweepWorkflowType,
  pricingRepricerStart,
  pricingRepricerWorkflowType,
  rulesChangedSignal,
  type DemandSweepPage,
  type DemandSweepPlan,
  type RepricerEvaluation,
} from '../../workflows/pricing/repricer-contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

/** Ticket types per demand sweep page: one transaction, set-based loads and one batch of changes. */
export const DEMAND_SWEEP_PAGE = 1000;

export function createRulesActivities({ db }: Pick<WorkerDeps, 'db'>) {
  return {
    /** Evaluates one ticket type's active rules and applies the price within the guardrails. */
    async pricingRulesEvaluate(input: { tenantId: string; ticketTypeId: number }): Promise<RepricerEvaluation> {
      const [outcome] = await withTenant(db, input.tenantId, (tx) =>
        repriceTicketTypes(tx, input.tenantId, [input.ticketTypeId], { demandWakeups: false }),
      );
      if (outcome.status === 'ended') return outcome;
      return {
        status: 'evaluated',
        priceMinor: outcome.priceMinor,
        changed: outcome.changed,
        nextEvaluationAt: outcome.nextEvaluationAt?.toISOString() ?? null,
      };
    },

    /** Plans a demand sweep: its pages of ticket types with active demand rules, and the interval after it. */
    async pricingRulesDemandPlan(input: { tenantId: string }): Promise<DemandSweepPlan> {
      return withTenant(db, input.tenantId, async (tx) => {
        const settings = await pricingSettings(tx);
        const starts = await demandPageStarts(tx, DEMAND_SWEEP_PAGE);
        return {
          pages: starts.map((after, i) => ({ after, until: starts[i + 1] ?? null })),
          intervalMs: (settings.demand_evaluation_minutes ?? DEFAULT_DEMAND_EVALUATION_MINUTES) * 60_000,
        };
      });
    },

    /** One page of a demand sweep: evaluates the ticket types with active demand rules in (after, until]. */
    async pricingRulesDemandSweep(input: {
      tenantId: string;
      after: number;
      until: number | null;
    }): Promise<DemandSweepPage> {
      return withTenant(db, input.tenantId, async (tx) => {
        const ids = await demandTicketTypes(tx, input.after, input.until);
        const outcomes = ids.length ? await repriceTicketTypes(tx, input.tenantId, ids) : [];
        return {
          evaluated: outcomes.filter((o) => o.status === 'evaluated').length,
          changed: outcomes.filter((o) => o.status === 'evaluated' && o.changed).length,
        };
      });
    },
  };
}

/**
 * A rule change starts the ticket type's repricer or signals the running one to evaluate now
 * (signal-with-start: one call either way, idempotent by workflow id); a demand rule's change
 * does the same for the tenant's demand sweep.
 */
export function rulesTriggers(deps: WorkerDeps): Trigger[] {
  const queue = deps.config.TEMPORAL_TASK_QUEUE;
  return [
    defineTrigger({
      name: 'pricing.rules.reprice',
      on: ['pricing.rule_changed'],
      async run() {},
      async afterCommit(event, ctx) {
        const p = event.payload;
        await ctx.temporal.workflow.signalWithStart(pricingRepricerWorkflowType.name, {
          ...pricingRepricerStart(queue, event.tenantId, p.ticket_type_id, p.event_id),
          signal: rulesChangedSignal,
          signalArgs: [{ ruleId: p.rule_id }],
        });
        if (p.strategy === 'demand')
          await ctx.temporal.workflow.signalWithStart(pricingDemandSweepWorkflowType.name, {
            ...pricingDemandSweepStart(queue, event.tenantId),
            signal: demandRulesChangedSignal,
            signalArgs: [],
          });
      },
    }),
  ];
}
