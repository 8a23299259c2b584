import type { Tx } from '../connection';
import { parseRuleDefinition } from '../../domain/pricing/definitions';
import { evaluatePrice, type ActiveRule, type RuleDefinition } from '../../domain/pricing/engine';
import { longestRateUnitMs } from '../../domain/pricing/grammar';
import { DEFAULT_DEMAND_EVALUATION_MINUTES, guardrailsOf } from '../../domain/pricing/settings';
import { applyPriceChanges, pricingSettings, type PriceChangeInput } from './changes';
import { guardrailFacts } from './history';
import { activeRulesOf, type PricingRuleRow } from './rules';

export type RepriceEnd = 'no_active_rules' | 'event_started' | 'ticket_type_gone';

export type RepriceOutcome =
  | { ticketTypeId: number; status: 'evaluated'; priceMinor: number; changed: boolean; nextEvaluationAt: Date | null }
  | { ticketTypeId: number; status: 'ended'; reason: RepriceEnd };

interface PricedType {
  id: number;
  event_id: number;
  price_minor: number;
  base_price_minor: number | null;
  inventory: number;
  sold: number;
  starts_at: Date;
  ends_at: Date;
  timezone: string;
  event_status: string;
}

const HOUR_MS = 3_600_000;
const YEAR_MS = 365 * 86_400_000;

/** A stored rule parsed for the engine; it was validated when saved, so failing here is a bug. */
export function activeRuleOf(row: PricingRuleRow): ActiveRule {
  const parsed = parseRuleDefinition(row.strategy, row.rules);
  if (!parsed.ok)
    throw new Error(`pricing rule ${row.id} holds an invalid definition: ${JSON.stringify(parsed.errors)}`);
  return { id: row.id, strategy: row.strategy, priority: row.priority, definition: parsed.definition };
}

/** How far back demand rules look: the longest window or rate unit they use. */
function lookbackMs(definitions: readonly RuleDefinition[]): number {
  let longest = 0;
  for (const d of definitions) {
    if (d.strategy !== 'demand') continue;
    for (const r of d.rules)
      longest = Math.max(longest, r.windowMs ?? d.windowMs ?? longestRateUnitMs(r.condition) ?? HOUR_MS);
  }
  return longest;
}

/** Orders holding tickets (pending or paid) per ticket type since `since`, oldest first. */
async function salesSince(tx: Tx, ids: number[], since: Date) {
  if (!ids.length) return new Map<number, { at: Date; quantity: number }[]>();
  const { rows } = await tx.raw<{ rows: { ticket_type_id: number; at: Date; quantity: number }[] }>(
    `select oi.ticket_type_id, o.created_at as at, sum(oi.quantity)::int as quantity
       from order_items oi join orders o on o.id = oi.order_id
      where oi.ticket_type_id = any(cast(? as bigint[])) and o.created_at > ? and o.status in ('pending', 'paid')
      group by 1, 2 order by 2`,
    [ids, since],
  );
  const out = new Map<number, { at: Date; quantity: number }[]>();
  for (const r of rows) {
    const id = Number(r.ticket_type_id);
    out.set(id, [...(out.get(id) ?? []), { at: r.at, quantity: r.quantity }]);
  }
  return out;
}

export interface RepriceOptions {
  now?: Date;
  /**
   * Whether evaluations ask to be woken for the next demand evaluation. The per-ticket-type repricer
   * says no: the tenant's demand sweep re-evaluates demand rules for every ticket type in batches.
   */
  demandWakeups?: boolean;
}

/**
 * Evaluates the active rules of many ticket types at once and applies the prices the engine sets
 * within the tenant's guardrails (set-based loads, one `applyPriceChanges`). A ticket type without
 * active rules, gone, or whose event has started or ended is reported as ended.
 */
export async function repriceTicketTypes(
  tx: Tx,
  tenantId: string,
  ticketTypeIds: readonly number[],
  opts: RepriceOptions = {},
): Promise<RepriceOutcome[]> {
  const now = opts.now ?? new Date();
  const ids = [...new Set(ticketTypeIds)];
  const settings = await pricingSettings(tx);
  const demandEvaluationMs = (settings.demand_evaluation_minutes ?? DEFAULT_DEMAND_EVALUATION_MINUTES) * 60_000;
  const types = new Map(
    (
      (await tx('ticket_types as tt')
        .join('events as e', 'e.id', 'tt.event_id')
        .whereIn('tt.id', ids)
        .select(
          'tt.id',
          'tt.event_id',
          'tt.price_minor',
          'tt.base_price_minor',
          'tt.inventory',
          'tt.sold',
          'e.starts_at',
          'e.ends_at',
          'e.timezone',
          'e.status as event_status',
        )) as PricedType[]
    ).map((t) => [t.id, t]),
  );
  const rules = await activeRulesOf(tx, ids);
  const parsed = new Map([...rules].map(([id, rows]) => [id, rows.map(activeRuleOf)]));
  const lookback = lookbackMs([...parsed.values()].flat().map((r) => r.definition));
  const sales = lookback ? await salesSince(tx, [...parsed.keys()], new Date(now.getTime() - lookback)) : new Map();
  const live = [...types.values()].filter((t) => parsed.has(t.id));
  const facts = await guardrailFacts(
    tx,
    live.map((t) => ({ id: t.id, priceMinor: t.price_minor })),
    now,
  );

  const outcomes: RepriceOutcome[] = [];
  const proposals: PriceChangeInput[] = [];
  const decisions = new Map<number, Date | null>();
  for (const id of ids) {
    const t = types.get(id);
    const active = parsed.get(id);
    if (!t) outcomes.push({ ticketTypeId: id, status: 'ended', reason: 'ticket_type_gone' });
    else if (!active?.length) outcomes.push({ ticketTypeId: id, status: 'ended', reason: 'no_active_rules' });
    else if (t.starts_at <= now || ['ended', 'cancelled'].includes(t.event_status))
      outcomes.push({ ticketTypeId: id, status: 'ended', reason: 'event_started' });
    else {
      const decision = evaluatePrice(active, {
        now,
        basePriceMinor: t.base_price_minor ?? t.price_minor,
        currentPriceMinor: t.price_minor,
        currentRuleId: facts.get(id)?.lastRuleId ?? null,
        eventStartsAt: t.starts_at,
        eventEndsAt: t.ends_at,
        timeZone: t.timezone,
        inventory: t.inventory,
        sold: t.sold,
        sales: sales.get(id) ?? [],
        // Left to the demand sweep, a wake-up a year out is harmless (it re-evaluates and sleeps again).
        demandEvaluationMs: opts.demandWakeups === false ? YEAR_MS : demandEvaluationMs,
      });
      decisions.set(id, decision.nextEvaluationAt);
      if (decision.priceMinor !== t.price_minor)
        proposals.push({
          ticketTypeId: id,
          priceMinor: decision.priceMinor,
          reason: decision.label ?? decision.reason,
          ruleId: decision.ruleId,
          source: 'rule',
          now,
        });
    }
  }
  const applied = proposals.length
    ? await applyPriceChanges(tx, tenantId, proposals, { guardrails: guardrailsOf(settings), facts })
    : new Map();
  for (const [id, next] of decisions) {
    const result = applied.get(id);
    // A change the minimum interval held back is retried when the interval allows it.
    const retry: Date | null = result?.retryAt ?? null;
    const wake = retry && (!next || retry < next) ? retry : next;
    outcomes.push({
      ticketTypeId: id,
      status: 'evaluated',
      priceMinor: result?.newPriceMinor ?? (types.get(id) as PricedType).price_minor,
      changed: result?.changed ?? false,
      nextEvaluationAt: wake,
    });
  }
  return outcomes;
}
