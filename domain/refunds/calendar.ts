/**
 * Calendar arithmetic in an IANA time zone with Intl only (no I/O, deterministic for a given
 * instant), so the policy engine can run in the API, in activities and in workflow code.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const dayStarts = new Map<string, number>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The calendar date of an instant in a zone. */
function wallClock(instant: Date, timeZone: string): { y: number; m: number; d: number } {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day) };
}

/** Days since 1970-01-01 of the calendar date the instant falls on in the zone. */
export function localDayNumber(instant: Date, timeZone: string): number {
  const { y, m, d } = wallClock(instant, timeZone);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/**
 * The first instant whose local calendar date is `dayNumber`: local midnight, or in a zone that
 * skips midnight for daylight saving, the first moment that exists that day. Found by bisection
 * between bounds no zone's offset (at most ±14 h) can leave, so it is exact to the millisecond.
 */
export function startOfLocalDay(dayNumber: number, timeZone: string): Date {
  const key = `${timeZone}|${dayNumber}`;
  const cached = dayStarts.get(key);
  if (cached !== undefined) return new Date(cached);
  let lo = dayNumber * DAY_MS - 15 * 3_600_000; // on an earlier local date in every zone
  let hi = dayNumber * DAY_MS + 15 * 3_600_000; // on this or a later local date in every zone
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDayNumber(new Date(mid), timeZone) >= dayNumber) hi = mid;
    else lo = mid;
  }
  // Bisection costs ~30 zone conversions; a day's start never changes, so remember it (bounded).
  if (dayStarts.size >= 10_000) dayStarts.clear();
  dayStarts.set(key, hi);
  return new Date(hi);
}
