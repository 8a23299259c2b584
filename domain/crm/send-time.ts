/**
 * Send-time optimisation: each customer's best hour of the day from their past clicks and
 * purchases, in their time zone when known (else UTC); customers with fewer than
 * `MIN_POINTS` data points get the tenant's best hour.
 */
export const MIN_POINTS = 3;
/** When nobody has any history: mid-morning UTC. */
export const DEFAULT_HOUR = 10;

export interface EngagementHistory {
  customerId: number;
  timezone: string | null;
  at: Date[];
}

const hourFormat = new Map<string, Intl.DateTimeFormat>();

/** The hour of day (0-23) of `at` in `timeZone`; UTC when the zone is unknown or invalid. */
export function hourIn(at: Date, timeZone: string | null): number {
  const zone = timeZone || 'UTC';
  let fmt = hourFormat.get(zone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' });
    } catch {
      return at.getUTCHours();
    }
    hourFormat.set(zone, fmt);
  }
  return Number(fmt.format(at)) % 24;
}

const argmax = (counts: number[]): number => counts.reduce((best, n, h) => (n > counts[best] ? h : best), 0);

/** Offset in ms of `timeZone` from UTC at `at` (positive east). */
function zoneOffsetMs(at: Date, timeZone: string | null): number {
  if (!timeZone) return 0;
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(at);
    const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
    return asUtc - Math.floor(at.getTime() / 1000) * 1000;
  } catch {
    return 0;
  }
}

/** Best hour per customer (local), and the tenant-wide best hour (UTC) used as fallback. */
export function bestHours(histories: EngagementHistory[]): { perCustomer: Map<number, number>; tenantHourUtc: number } {
  const tenant = new Array<number>(24).fill(0);
  const perCustomer = new Map<number, number>();
  for (const h of histories) {
    const counts = new Array<number>(24).fill(0);
    for (const at of h.at) {
      counts[hourIn(at, h.timezone)]++;
      tenant[at.getUTCHours()]++;
    }
    if (h.at.length >= MIN_POINTS) perCustomer.set(h.customerId, argmax(counts));
  }
  const any = tenant.some((n) => n > 0);
  return { perCustomer, tenantHourUtc: any ? argmax(tenant) : DEFAULT_HOUR };
}

/**
 * When to send to each customer: the next occurrence of their best hour (local time; the tenant's
 * best UTC hour as fallback) within `spreadMs` of `start`, at a random minute of that hour so one
 * hour's sends are not a single burst (the random minute comes from `jitter`, 0..1, for determinism).
 */
export function sendTimes(
  histories: EngagementHistory[],
  start: Date,
  spreadMs: number,
  jitter: (customerId: number) => number,
): Map<number, Date> {
  const { perCustomer, tenantHourUtc } = bestHours(histories);
  const out = new Map<number, Date>();
  const end = start.getTime() + spreadMs;
  for (const h of histories) {
    const own = perCustomer.get(h.customerId);
    const zone = own === undefined ? null : h.timezone;
    const hour = own ?? tenantHourUtc;
    const offset = zoneOffsetMs(start, zone);
    // The start of `hour` today in the customer's zone, as a UTC instant.
    const localStart = new Date(start.getTime() + offset);
    let at =
      Date.UTC(localStart.getUTCFullYear(), localStart.getUTCMonth(), localStart.getUTCDate(), hour) -
      offset +
      Math.floor(jitter(h.customerId) * 3_600_000);
    while (at < start.getTime()) at += 86_400_000;
    if (at > end) at = start.getTime() + Math.floor(jitter(h.customerId) * Math.max(0, spreadMs));
    out.set(h.customerId, new Date(at));
  }
  return out;
}
