/**
 * The pricing engine: pure, so every rule is unit-tested without a clock or a database. Given a
 * ticket type's active rules, its sales and the time, it returns the price, the rule that set it
 * and when to look again. Rule definitions are parsed once (`parseRuleDefinition`), never evaluated
 * as code.
 *
 * Priority: the LOWER `priority` number wins (1 before 2); equal priorities go by the lower id (the
 * older rule). The first rule that applies sets the price; rules never stack across each other.
 */
import type { RuleDefinition, Strategy } from './rule-shapes';
import { money } from './adjustments';
import type { SalesFacts } from './conditions';
import { evaluateDemandRule } from './demand-rules';
import type { RuleOutcome } from './evaluation';
import { Horizon } from './evaluation';
import { evaluateInventoryRule } from './inventory-rules';
import { resolveZone } from './local-time';
import { evaluateTimeRule } from './time-rules';

export { STRATEGIES } from './rule-shapes';
export type { RuleDefinition, Strategy } from './rule-shapes';

/** A stored rule whose `rules` JSON has been parsed. */
export interface ActiveRule {
  id: number;
  strategy: Strategy;
  priority: number;
  definition: RuleDefinition;
}

export interface PricingContext {
  now: Date;
  /** The ticket type's list price before any rule, in minor units. */
  basePriceMinor: number;
  /** The price buyers pay now. */
  currentPriceMinor: number;
  /** The rule that set the current price (the last price change's rule); a demand rule continues from
   * the current price only when it set it, and starts from its own `base_price` otherwise. */
  currentRuleId?: number | null;
  eventStartsAt: Date;
  eventEndsAt: Date | null;
  /** The event's IANA time zone; local-time rules without their own zone read it (default UTC). */
  timeZone?: string | null;
  /** The ticket type's total quantity on sale (capacity), not what is left. */
  inventory: number;
  /** Tickets sold so far; remaining = inventory - sold. */
  sold: number;
  /** Sales of the ticket type, oldest first, as far back as the longest velocity window needs. */
  sales: readonly { at: Date; quantity: number }[];
  section?: string | null;
  /** How often demand rules re-evaluate (the `demand_evaluation_minutes` setting); default 15 min. */
  demandEvaluationMs?: number;
}

export interface PriceDecision {
  priceMinor: number;
  /** The rule that set the price; null when none applies (the base price). */
  ruleId: number | null;
  reason: string;
  label?: string;
  /** When the decision may next change by time alone (a tier boundary, a flash sale's start or end, a
   * time-of-day boundary, a surge's start, the next demand evaluation); null: never. It may be early
   * (re-evaluating then changes nothing) but is never late. */
  nextEvaluationAt: Date | null;
}

export const DEFAULT_DEMAND_EVALUATION_MS = 15 * 60_000;

function byPriority(a: ActiveRule, b: ActiveRule): number {
  return a.priority - b.priority || a.id - b.id;
}

/** The rules in evaluation order; the caller's array when it is already in order (no copy). */
function inPriorityOrder(rules: readonly ActiveRule[]): readonly ActiveRule[] {
  for (let i = 1; i < rules.length; i++) {
    if (byPriority(rules[i - 1], rules[i]) > 0) return [...rules].sort(byPriority);
  }
  return rules;
}

function evaluateRule(rule: ActiveRule, ctx: PricingContext, facts: SalesFacts, horizon: Horizon): RuleOutcome | null {
  const def = rule.definition;
  switch (def.strategy) {
    case 'time':
      return evaluateTimeRule(
        def,
        {
          nowMs: facts.nowMs,
          basePriceMinor: ctx.basePriceMinor,
          eventStartsMs: ctx.eventStartsAt.getTime(),
          zone: resolveZone(def.zone, ctx.timeZone),
        },
        horizon,
      );
    case 'demand': {
      horizon.add(facts.nowMs + (ctx.demandEvaluationMs ?? DEFAULT_DEMAND_EVALUATION_MS));
      const start = ctx.currentRuleId === rule.id ? ctx.currentPriceMinor : def.basePriceMinor;
      return evaluateDemandRule(def, start, facts);
    }
    case 'inventory':
      if (def.usesVelocity) horizon.add(facts.nowMs + (ctx.demandEvaluationMs ?? DEFAULT_DEMAND_EVALUATION_MS));
      return evaluateInventoryRule(def, ctx.basePriceMinor, ctx.section ?? null, facts, horizon);
    case 'manual':
      return { priceMinor: def.priceMinor, reason: `manual: set to ${money(def.priceMinor)}`, label: def.label };
  }
}

/**
 * The price now: the first rule in priority order that applies sets it; with none, the base price.
 * `nextEvaluationAt` gathers the time boundaries of the rules consulted (those at or above the one
 * that decided): a rule below it cannot matter before one of those boundaries passes.
 */
export function evaluatePrice(rules: readonly ActiveRule[], ctx: PricingContext): PriceDecision {
  const nowMs = ctx.now.getTime();
  const horizon = new Horizon(nowMs);
  const facts: SalesFacts = {
    nowMs,
    inventory: ctx.inventory,
    sold: ctx.sold,
    sales: ctx.sales,
    memoWindowMs: -1,
    memoCount: 0,
  };
  for (const rule of inPriorityOrder(rules)) {
    const outcome = evaluateRule(rule, ctx, facts, horizon);
    if (outcome) {
      const decision: PriceDecision = {
        priceMinor: outcome.priceMinor,
        ruleId: rule.id,
        reason: outcome.reason,
        nextEvaluationAt: horizon.nextMs === Infinity ? null : new Date(horizon.nextMs),
      };
      if (outcome.label !== null) decision.label = outcome.label;
      return decision;
    }
  }
  return {
    priceMinor: ctx.basePriceMinor,
    ruleId: null,
    reason: rules.length === 0 ? 'base price: no active rule' : 'base price: no rule applies',
    nextEvaluationAt: horizon.nextMs === Infinity ? null : new Date(horizon.nextMs),
  };
}
