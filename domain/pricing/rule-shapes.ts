/**
 * The typed shapes of parsed pricing rules. `parseRuleDefinition` (definitions.ts) turns the stored
 * `rules` JSON (major units, ISO dates, condition strings) into these (minor units, epoch
 * milliseconds, condition ASTs), once, so the engine never parses in its hot path.
 */
import type { Condition } from './grammar';

export const STRATEGIES = ['time', 'demand', 'inventory', 'manual'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** A change applied on top of a price: set it, add a signed amount, or add a signed percentage. */
export type Adjustment =
  { kind: 'set'; priceMinor: number } | { kind: 'amount'; deltaMinor: number } | { kind: 'percent'; percent: number };

/**
 * When a tier ends: an instant, a calendar date (midnight at the start of that day in the rule's
 * time zone, resolved at evaluation), or `"event"` (the event's start; only the last tier).
 */
export type TierEnd =
  { kind: 'instant'; atMs: number } | { kind: 'date'; year: number; month: number; day: number } | { kind: 'event' };

export interface TimeTier {
  until: TierEnd;
  /** The source text of `until`, for reasons and schedules. */
  untilText: string;
  priceMinor: number;
  label: string;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** A day-of-week and/or time-of-day variation, in local time of the rule's time zone. */
export interface TimeVariation {
  /** Local weekdays (0 = Sunday) it applies on; null: every day. */
  days: readonly number[] | null;
  /** Local minutes after midnight, [from, to); `to < from` wraps past midnight; null: all day. */
  fromMinute: number | null;
  toMinute: number | null;
  adjustment: Adjustment;
  label: string | null;
}

/** A last-minute surge: from `withinMs` before the event's start onwards (door sales included). */
export interface TimeSurge {
  withinMs: number;
  adjustment: Adjustment;
  label: string | null;
}

/** Where local time is read: an IANA zone, a fixed UTC offset, or (null) the event's own zone. */
export type RuleZone = { kind: 'iana'; name: string } | { kind: 'offset'; minutes: number } | null;

export interface TimeDefinition {
  strategy: 'time';
  zone: RuleZone;
  tiers: readonly TimeTier[];
  variations: readonly TimeVariation[];
  surge: TimeSurge | null;
}

export type DemandAction = 'increase' | 'decrease' | 'set';

export interface DemandRule {
  condition: Condition;
  /** The condition as written, for reasons. */
  source: string;
  action: DemandAction;
  amountMinor: number;
  /** Overrides the definition's window for this rule's velocity; null: inherit. */
  windowMs: number | null;
}

export interface DemandDefinition {
  strategy: 'demand';
  basePriceMinor: number;
  minPriceMinor: number;
  maxPriceMinor: number;
  /** How far back sales velocity looks; null: one unit of the condition's rate (1 h for `/hour`). */
  windowMs: number | null;
  rules: readonly DemandRule[];
}

export interface InventoryTrigger {
  condition: Condition;
  source: string;
  adjustment: Adjustment;
  label: string | null;
}

export interface FlashSale {
  startMs: number;
  endMs: number;
  /** A fixed price, or a percentage off the price the rule would otherwise give. */
  priceMinor: number | null;
  percentOff: number | null;
  label: string;
}

export interface InventoryDefinition {
  strategy: 'inventory';
  /** The price levels start from; null: the ticket type's base price. */
  basePriceMinor: number | null;
  /** Availability levels: the first whose condition holds sets or adjusts the price. */
  thresholds: readonly InventoryTrigger[];
  /** Section premiums, by section name, applied after the level. */
  sections: ReadonlyMap<string, Adjustment>;
  /** Scarcity triggers: the first whose condition holds adjusts the price after the section premium. */
  scarcity: readonly InventoryTrigger[];
  flashSales: readonly FlashSale[];
  /** A condition reads sales velocity, so the rule changes with time alone (re-evaluate on the demand cadence). */
  usesVelocity: boolean;
}

export interface ManualDefinition {
  strategy: 'manual';
  priceMinor: number;
  label: string | null;
}

export type RuleDefinition = TimeDefinition | DemandDefinition | InventoryDefinition | ManualDefinition;
