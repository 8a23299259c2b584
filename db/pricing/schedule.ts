import type { Tx } from '../connection';
import { evaluatePrice, type ActiveRule } from '../../domain/pricing/engine';
import { adjust } from '../../domain/pricing/adjustments';
import { guardrailsOf } from '../../domain/pricing/settings';
import { pricingSettings } from './changes';
import { activeRuleOf } from './reprice';
import { activeRulesOf } from './rules';

export interface PlannedTier {
  from: string;
  until: string | null;
  price_minor: number;
  label: string | null;
  rule_id: number | null;
}

export interface TicketTypeSchedule {
  ticket_type_id: number;
  currency: string;
  current_price_minor: number;
  tiers: PlannedTier[];
  price_range: { min_minor: number; max_minor: number };
}

/** Steps of the time simulation: a rule with hourly variations still lists a few days ahead. */
const MAX_STEPS = 100;

/** Every price a rule can set, from a starting price (levels, premiums, flash sales, bounds). */
function pricesOf(rule: ActiveRule, base: number): number[] {
  const d = rule.definition;
  switch (d.strategy) {
    case 'time': {
      const tiers = d.tiers.length ? d.tiers.map((t) => t.priceMinor) : [base];
      const adjustments = [...d.variations.map((v) => v.adjustment), ...(d.surge ? [d.surge.adjustment] : [])];
      return [...tiers, ...tiers.flatMap((p) => adjustments.map((a) => adjust(p, a)))];
    }
    case 'demand':
      return [d.minPriceMinor, d.maxPriceMinor];
    case 'inventory': {
      const from = d.basePriceMinor ?? base;
      const levels = [from, ...d.thresholds.map((t) => adjust(from, t.adjustment))];
      const adjustments = [...d.sections.values(), ...d.scarcity.map((s) => s.adjustment)];
      const flash = d.flashSales.flatMap((f) =>
        f.priceMinor !== null ? [f.priceMinor] : levels.map((p) => Math.round(p * (1 - (f.percentOff ?? 0) / 100))),
      );
      return [...levels, ...levels.flatMap((p) => adjustments.map((a) => adjust(p, a))), ...flash];
    }
    case 'manual':
      return [d.priceMinor];
  }
}

/**
 * What a ticket type's time rules plan from now until the event starts (simulated with the engine,
 * no sales assumed), and the price range all its active rules can reach, both within the floor and
 * cap. Undefined when the ticket type does not exist (for this tenant).
 */
export async function ticketTypeSchedule(
  tx: Tx,
  ticketTypeId: number,
  now: Date,
): Promise<TicketTypeSchedule | undefined> {
  const t = (await tx('ticket_types as tt')
    .join('events as e', 'e.id', 'tt.event_id')
    .where('tt.id', ticketTypeId)
    .first(
      'tt.id',
      'tt.price_minor',
      'tt.base_price_minor',
      'tt.currency',
      'tt.inventory',
      'tt.sold',
      'e.starts_at',
      'e.ends_at',
      'e.timezone',
    )) as
    | {
        id: number;
        price_minor: number;
        base_price_minor: number | null;
        currency: string;
        inventory: number;
        sold: number;
        starts_at: Date;
        ends_at: Date;
        timezone: string;
      }
    | undefined;
  if (!t) return undefined;
  const g = guardrailsOf(await pricingSettings(tx));
  const clamp = (p: number) => Math.min(g.capMinor ?? Infinity, Math.max(g.floorMinor ?? 0, p));
  const rules = ((await activeRulesOf(tx, [t.id])).get(t.id) ?? []).map(activeRuleOf);
  const base = t.base_price_minor ?? t.price_minor;

  const timeRules = rules.filter((r) => r.strategy === 'time');
  const tiers: PlannedTier[] = [];
  let at: Date | null = now;
  for (let step = 0; timeRules.length && at && at < t.starts_at && step < MAX_STEPS; step++) {
    const d = evaluatePrice(timeRules, {
      now: at,
      basePriceMinor: base,
      currentPriceMinor: t.price_minor,
      eventStartsAt: t.starts_at,
      eventEndsAt: t.ends_at,
      timeZone: t.timezone,
      inventory: t.inventory,
      sold: t.sold,
      sales: [],
    });
    const until = d.nextEvaluationAt && d.nextEvaluationAt < t.starts_at ? d.nextEvaluationAt : null;
    const price = clamp(d.priceMinor);
    const label = d.label ?? null;
    const last = tiers[tiers.length - 1];
    if (last && last.price_minor === price && last.label === label && last.rule_id === d.ruleId)
      last.until = until?.toISOString() ?? null;
    else
      tiers.push({
        from: at.toISOString(),
        until: until?.toISOString() ?? null,
        price_minor: price,
        label,
        rule_id: d.ruleId,
      });
    at = until;
  }

  const reachable = [t.price_minor, base, ...rules.flatMap((r) => pricesOf(r, base))].map(clamp);
  return {
    ticket_type_id: t.id,
    currency: t.currency.trim(),
    current_price_minor: t.price_minor,
    tiers,
    price_range: { min_minor: Math.min(...reachable), max_minor: Math.max(...reachable) },
  };
}
