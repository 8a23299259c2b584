/**
 * Inventory rules. From `base_price` (or the ticket type's base price): the first availability
 * threshold whose condition holds, then the section premium for the ticket type's section, then
 * the first scarcity trigger that holds; an active flash sale (start <= now < end; the first listed
 * when several overlap) then sets its price or takes its percentage off. The rule applies only when
 * one of these does; otherwise lower-priority rules decide. Stock changes with sales, not time, so
 * the repricer re-evaluates after sales; flash-sale edges are time boundaries.
 */
import type { InventoryDefinition, InventoryTrigger } from './rule-shapes';
import { adjust, describeAdjustment, money } from './adjustments';
import type { SalesFacts } from './conditions';
import { holds } from './conditions';
import type { Horizon, RuleOutcome } from './evaluation';

function firstHolding(triggers: readonly InventoryTrigger[], facts: SalesFacts): InventoryTrigger | null {
  for (const t of triggers) if (holds(t.condition, facts, null)) return t;
  return null;
}

export function evaluateInventoryRule(
  def: InventoryDefinition,
  basePriceMinor: number,
  section: string | null,
  facts: SalesFacts,
  horizon: Horizon,
): RuleOutcome | null {
  const nowMs = facts.nowMs;
  let price = def.basePriceMinor ?? basePriceMinor;
  let label: string | null = null;
  const reasons: string[] = [];
  const threshold = firstHolding(def.thresholds, facts);
  if (threshold) {
    price = adjust(price, threshold.adjustment);
    label = threshold.label;
    reasons.push(`"${threshold.source}": ${describeAdjustment(threshold.adjustment)}`);
  }
  const premium = section === null ? undefined : def.sections.get(section);
  if (premium) {
    price = adjust(price, premium);
    reasons.push(`section ${section}: ${describeAdjustment(premium)}`);
  }
  const scarcity = firstHolding(def.scarcity, facts);
  if (scarcity) {
    price = adjust(price, scarcity.adjustment);
    label = scarcity.label ?? label;
    reasons.push(`"${scarcity.source}": ${describeAdjustment(scarcity.adjustment)}`);
  }
  let flashActive = false;
  for (const flash of def.flashSales) {
    if (nowMs < flash.startMs) {
      horizon.add(flash.startMs);
    } else if (nowMs < flash.endMs) {
      horizon.add(flash.endMs);
      if (flashActive) continue;
      flashActive = true;
      price =
        flash.priceMinor !== null ? flash.priceMinor : Math.round((price * (100 - (flash.percentOff ?? 0))) / 100);
      label = flash.label;
      reasons.push(
        `flash sale "${flash.label}" ${flash.priceMinor !== null ? `at ${money(flash.priceMinor)}` : `-${flash.percentOff}%`}`,
      );
    }
  }
  if (reasons.length === 0) return null;
  return { priceMinor: price, reason: `inventory: ${reasons.join('; ')}`, label };
}
