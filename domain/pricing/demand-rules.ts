/**
 * Demand rules (the proposal's shape). Every condition that holds applies its action, in the order
 * written, to the running price: `increase`/`decrease` by `amount`, `set` to `amount`; the result is
 * bounded by [min_price, max_price]. The running price starts from the current price when this
 * rule set it, and from `base_price` otherwise (a rule taking over, or its first run).
 *
 * Each evaluation applies `increase`/`decrease` once: the repricer calls the engine on the demand
 * cadence (`demand_evaluation_minutes`), so "+5 while velocity > 50/hour" climbs 5 per evaluation
 * until max_price. A demand rule always applies: with no condition met it holds its price.
 */
import type { DemandDefinition } from './rule-shapes';
import { money } from './adjustments';
import type { SalesFacts } from './conditions';
import { holds } from './conditions';
import type { RuleOutcome } from './evaluation';

export function evaluateDemandRule(def: DemandDefinition, startPriceMinor: number, facts: SalesFacts): RuleOutcome {
  let price = startPriceMinor;
  let reason = '';
  for (const rule of def.rules) {
    if (!holds(rule.condition, facts, rule.windowMs ?? def.windowMs)) continue;
    if (rule.action === 'increase') price += rule.amountMinor;
    else if (rule.action === 'decrease') price -= rule.amountMinor;
    else price = rule.amountMinor;
    reason += `${reason ? '; ' : ''}"${rule.source}": ${rule.action} ${money(rule.amountMinor)}`;
  }
  const bounded = Math.min(def.maxPriceMinor, Math.max(def.minPriceMinor, price));
  if (!reason) reason = `no condition met, holding ${money(bounded)}`;
  else if (bounded !== price) reason += bounded > price ? ' (at min_price)' : ' (at max_price)';
  return { priceMinor: bounded, reason: `demand: ${reason}`, label: null };
}
