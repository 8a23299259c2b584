/**
 * Local wall-clock time for time-of-day and day-of-week rules, without a date library: a fixed UTC
 * offset, or an IANA zone whose offsets Intl computes once per quarter hour (every real zone
 * changes offset on a quarter hour) and caches, so the engine's hot path is a Map lookup.
 */
import type { RuleZone } from './rule-shapes';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
const QUARTER_MS = 15 * MINUTE_MS;
const CACHE_LIMIT = 4096;

/** A zone resolved for evaluation: a fixed offset, or an IANA zone with its offset cache. */
export type Zone = { fixedMinutes: number; iana: null } | { fixedMinutes: 0; iana: IanaZone };

interface IanaZone {
  format: Intl.DateTimeFormat;
  offsets: Map<number, number>;
}

const UTC: Zone = { fixedMinutes: 0, iana: null };
const ianaZones = new Map<string, Zone>();
const fixedZones = new Map<number, Zone>();

/** Whether Intl knows the zone name. */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function ianaZone(name: string): Zone {
  let zone = ianaZones.get(name);
  if (!zone) {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    zone = { fixedMinutes: 0, iana: { format, offsets: new Map() } };
    ianaZones.set(name, zone);
  }
  return zone;
}

function fixedZone(minutes: number): Zone {
  if (minutes === 0) return UTC;
  let zone = fixedZones.get(minutes);
  if (!zone) {
    zone = { fixedMinutes: minutes, iana: null };
    fixedZones.set(minutes, zone);
  }
  return zone;
}

/** The rule's own zone, else the event's (an unknown event zone reads as UTC), else UTC. */
export function resolveZone(ruleZone: RuleZone, eventZone: string | null | undefined): Zone {
  if (ruleZone?.kind === 'offset') return fixedZone(ruleZone.minutes);
  const name = ruleZone?.name ?? eventZone;
  if (!name || name === 'UTC' || name === 'Etc/UTC') return UTC;
  return ianaZones.get(name) ?? (isKnownTimeZone(name) ? ianaZone(name) : UTC);
}

function computeIanaOffset(zone: IanaZone, ms: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of zone.format.formatToParts(ms)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  return Math.round((wall - (ms - (ms % MINUTE_MS))) / MINUTE_MS);
}

/** The zone's offset from UTC, in minutes, at an instant. */
export function offsetMinutesAt(zone: Zone, ms: number): number {
  const iana = zone.iana;
  if (!iana) return zone.fixedMinutes;
  const quarter = Math.floor(ms / QUARTER_MS);
  let offset = iana.offsets.get(quarter);
  if (offset === undefined) {
    offset = computeIanaOffset(iana, quarter * QUARTER_MS);
    if (iana.offsets.size >= CACHE_LIMIT) iana.offsets.clear();
    iana.offsets.set(quarter, offset);
  }
  return offset;
}

/** The local wall-clock time at an instant, as milliseconds of a UTC-based calendar. */
export function wallAt(zone: Zone, ms: number): number {
  return ms + offsetMinutesAt(zone, ms) * MINUTE_MS;
}

/**
 * The instant a local wall-clock time occurs. In a fall-back overlap, the earlier of the two; in a
 * spring-forward gap (the wall time never occurs), the transition itself, so a boundary computed
 * from it is never late.
 */
export function instantOfWall(zone: Zone, wall: number): number {
  if (!zone.iana) return wall - zone.fixedMinutes * MINUTE_MS;
  const a = wall - offsetMinutesAt(zone, wall - DAY_MS) * MINUTE_MS;
  const b = wall - offsetMinutesAt(zone, wall + DAY_MS) * MINUTE_MS;
  const early = Math.min(a, b);
  const late = Math.max(a, b);
  if (wallAt(zone, early) === wall) return early;
  if (wallAt(zone, late) === wall) return late;
  // A gap: the first quarter hour after `early` whose offset differs is the transition.
  const offset = offsetMinutesAt(zone, early);
  let t = early - (early % QUARTER_MS) + QUARTER_MS;
  while (t < late && offsetMinutesAt(zone, t) === offset) t += QUARTER_MS;
  return t;
}
