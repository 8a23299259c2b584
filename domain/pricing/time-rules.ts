/**
 * Time-based rules. A tier holds while now < its `until` (exclusive: at the boundary the next tier
 * applies); a date `until` is midnight at the start of that day in the rule's zone; `"event"` is
 * the last tier and holds from the previous boundary on, door sales included. Past the last dated
 * tier (no `"event"` tier), the rule no longer applies and lower-priority rules decide.
 * On the tier's price (or the ticket type's base price when there are no tiers), the first matching
 * day/time variation applies, then the last-minute surge. A variation's window [from, to) is in
 * local time; one wrapping midnight (22:00-02:00) belongs to the day it starts on. A rule without
 * tiers applies only while a variation or the surge does.
 */
import type { Adjustment, TierEnd, TimeDefinition, TimeVariation } from './rule-shapes';
import { WEEKDAYS } from './rule-shapes';
import { adjust, describeAdjustment, money } from './adjustments';
import type { Horizon, RuleOutcome } from './evaluation';
import type { Zone } from './local-time';
import { DAY_MS, MINUTE_MS, instantOfWall, wallAt } from './local-time';

export interface TimeInputs {
  nowMs: number;
  basePriceMinor: number;
  eventStartsMs: number;
  zone: Zone;
}

/** When a tier ends, as an instant; `"event"` tiers never end. */
export function tierEndMs(until: TierEnd, zone: Zone): number {
  switch (until.kind) {
    case 'instant':
      return until.atMs;
    case 'date':
      return instantOfWall(zone, Date.UTC(until.year, until.month - 1, until.day));
    case 'event':
      return Infinity;
  }
}

function variationHolds(v: TimeVariation, weekday: number, minuteOfDay: number): boolean {
  if (v.fromMinute === null || v.toMinute === null) return v.days === null || v.days.includes(weekday);
  const wraps = v.toMinute <= v.fromMinute;
  let startDay = weekday;
  if (wraps) {
    if (minuteOfDay >= v.fromMinute) startDay = weekday;
    else if (minuteOfDay < v.toMinute) startDay = (weekday + 6) % 7;
    else return false;
  } else if (minuteOfDay < v.fromMinute || minuteOfDay >= v.toMinute) {
    return false;
  }
  return v.days === null || v.days.includes(startDay);
}

/** The next local occurrences of every variation's edges (and of midnight for day-bound ones). */
function addVariationBoundaries(
  variations: readonly TimeVariation[],
  zone: Zone,
  wall: number,
  horizon: Horizon,
): void {
  const localDayStart = Math.floor(wall / DAY_MS) * DAY_MS;
  for (const v of variations) {
    if (v.fromMinute !== null && v.toMinute !== null) {
      addEdge(localDayStart, v.fromMinute, zone, wall, horizon);
      addEdge(localDayStart, v.toMinute, zone, wall, horizon);
    }
    if (v.days !== null) addEdge(localDayStart, 0, zone, wall, horizon);
  }
}

/** The next local occurrence of a minute of the day, after `wall`. */
function addEdge(localDayStart: number, minute: number, zone: Zone, wall: number, horizon: Horizon): void {
  let edge = localDayStart + minute * MINUTE_MS;
  if (edge <= wall) edge += DAY_MS;
  horizon.add(instantOfWall(zone, edge));
}

function describeVariation(v: TimeVariation): string {
  const days = v.days === null ? '' : v.days.map((d) => WEEKDAYS[d]).join(',');
  const hhmm = (m: number): string =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const times = v.fromMinute === null || v.toMinute === null ? '' : `${hhmm(v.fromMinute)}-${hhmm(v.toMinute)}`;
  return v.label ?? [days, times].filter(Boolean).join(' ');
}

function applyStep(price: number, adjustment: Adjustment, what: string, reasons: string[]): number {
  reasons.push(`${what} ${describeAdjustment(adjustment)}`);
  return adjust(price, adjustment);
}

export function evaluateTimeRule(def: TimeDefinition, inputs: TimeInputs, horizon: Horizon): RuleOutcome | null {
  const { nowMs, zone } = inputs;
  const reasons: string[] = [];
  let price = inputs.basePriceMinor;
  let label: string | null = null;
  let applies = def.tiers.length > 0;
  if (applies) {
    let tierIndex = -1;
    for (let i = 0; i < def.tiers.length; i++) {
      const end = tierEndMs(def.tiers[i].until, zone);
      if (nowMs < end) {
        tierIndex = i;
        horizon.add(end);
        break;
      }
    }
    if (tierIndex < 0) return null;
    const tier = def.tiers[tierIndex];
    price = tier.priceMinor;
    label = tier.label;
    reasons.push(`tier "${tier.label}" at ${money(price)} until ${tier.untilText}`);
  }
  if (def.variations.length > 0) {
    const wall = wallAt(zone, nowMs);
    const localDay = Math.floor(wall / DAY_MS);
    const weekday = (((localDay + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    const minuteOfDay = Math.floor((wall - localDay * DAY_MS) / MINUTE_MS);
    addVariationBoundaries(def.variations, zone, wall, horizon);
    for (const v of def.variations) {
      if (variationHolds(v, weekday, minuteOfDay)) {
        price = applyStep(price, v.adjustment, describeVariation(v), reasons);
        label = v.label ?? label;
        applies = true;
        break;
      }
    }
  }
  if (def.surge) {
    const surgeStart = inputs.eventStartsMs - def.surge.withinMs;
    if (nowMs >= surgeStart) {
      price = applyStep(price, def.surge.adjustment, def.surge.label ?? 'last-minute surge', reasons);
      label = def.surge.label ?? label;
      applies = true;
    } else {
      horizon.add(surgeStart);
    }
  }
  if (!applies) return null;
  return { priceMinor: price, reason: `time: ${reasons.join('; ')}`, label };
}
