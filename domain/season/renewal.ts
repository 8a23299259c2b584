/**
 * A subscription's renewal schedule, from its renewal date and the tenant's settings: when the
 * reminders go out, when the charge is tried again after a failure, and when the grace period ends.
 * Pure, so the workflow's activity and the tests compute the same instants.
 */

export const DAY_MS = 86_400_000;

export interface RenewalTimingSettings {
  renewal_reminder_days: number[];
  dunning_retry_days: number[];
  grace_days: number;
  /** Multiplies every duration; below 1 only in tests and demos (a "day" of one second). */
  renewal_time_scale: number;
}

export interface RenewalSchedule {
  /** The renewal date being charged (ISO); it names the period. */
  renewsAt: string;
  /** Earliest first; `daysBefore` is what the e-mail says. */
  reminders: { daysBefore: number; at: string }[];
  /** The retries after the first charge, in order; attempt 1 is the charge at `renewsAt`. */
  retries: { attempt: number; daysAfter: number; at: string }[];
  /** A subscription whose renewal still failed by then expires. */
  graceEndsAt: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The reminders, retries and grace end of the period renewing at `renewsAt`. */
export function renewalSchedule(renewsAt: Date, settings: RenewalTimingSettings): RenewalSchedule {
  const day = DAY_MS * settings.renewal_time_scale;
  const at = renewsAt.getTime();
  const reminderDays = [...new Set(settings.renewal_reminder_days)].sort((a, b) => b - a);
  // A retry at or past the grace end would only delay the expiry: the grace period bounds them.
  const retryDays = [...new Set(settings.dunning_retry_days)]
    .filter((d) => d > 0 && d < settings.grace_days)
    .sort((a, b) => a - b);
  return {
    renewsAt: renewsAt.toISOString(),
    reminders: reminderDays.map((daysBefore) => ({ daysBefore, at: iso(at - Math.round(daysBefore * day)) })),
    retries: retryDays.map((daysAfter, i) => ({
      attempt: i + 2,
      daysAfter,
      at: iso(at + Math.round(daysAfter * day)),
    })),
    graceEndsAt: iso(at + Math.round(settings.grace_days * day)),
  };
}

/**
 * The schedule of the period renewing at `renewsAt` under the same settings as `schedule`: every
 * instant of a schedule is an offset from its renewal date, so the whole schedule moves with it.
 */
export function followingSchedule(schedule: RenewalSchedule, renewsAt: Date): RenewalSchedule {
  const by = renewsAt.getTime() - Date.parse(schedule.renewsAt);
  const move = (at: string): string => iso(Date.parse(at) + by);
  return {
    renewsAt: renewsAt.toISOString(),
    reminders: schedule.reminders.map((r) => ({ ...r, at: move(r.at) })),
    retries: schedule.retries.map((r) => ({ ...r, at: move(r.at) })),
    graceEndsAt: move(schedule.graceEndsAt),
  };
}

/** When the attempt after `attempt` is due, or null when none is left before the grace end. */
export function nextRetryAt(schedule: RenewalSchedule, attempt: number): string | null {
  return schedule.retries.find((r) => r.attempt === attempt + 1)?.at ?? null;
}

export type BillingCycle = 'annual' | 'monthly' | 'one-time';

/** Adds calendar months in UTC, keeping the day of the month where it exists (31 Jan + 1 month = 28/29 Feb). */
function addMonthsUtc(date: Date, months: number): Date {
  const day = date.getUTCDate();
  const next = new Date(date.getTime());
  next.setUTCDate(1);
  next.setUTCMonth(next.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(day, lastDay));
  return next;
}

/**
 * The next period after a successful renewal: both the end and the renewal date move by one
 * billing cycle. A one-time package never renews (null).
 */
export function nextPeriod(
  period: { endsAt: Date; renewsAt: Date },
  cycle: BillingCycle,
): { endsAt: Date; renewsAt: Date } | null {
  if (cycle === 'one-time') return null;
  const months = cycle === 'annual' ? 12 : 1;
  return { endsAt: addMonthsUtc(period.endsAt, months), renewsAt: addMonthsUtc(period.renewsAt, months) };
}

/**
 * The payment provider's idempotency key of one charge attempt: stable per subscription, period and
 * attempt, so an activity retried after a lost answer repeats the same charge rather than a second one.
 */
export const renewalChargeKey = (tenantId: string, subscriptionId: number, renewsAt: string, attempt: number): string =>
  `season-renewal/${tenantId}/${subscriptionId}/${renewsAt}/${attempt}`;

/**
 * The reminders still to send at `now`, in order: those not sent yet and not overtaken. Of the
 * reminders already due, only the latest goes out (a subscription bought a week before its renewal
 * gets one reminder, not the 30-day one too), none once the renewal date has passed, and none older
 * than a reminder already sent.
 */
export function dueReminders(
  schedule: RenewalSchedule,
  sent: readonly number[],
  now: Date,
): RenewalSchedule['reminders'] {
  const t = now.getTime();
  if (Date.parse(schedule.renewsAt) <= t) return [];
  const latestSent = Math.max(
    -Infinity,
    ...schedule.reminders.filter((r) => sent.includes(r.daysBefore)).map((r) => Date.parse(r.at)),
  );
  const pending = schedule.reminders.filter((r) => !sent.includes(r.daysBefore) && Date.parse(r.at) > latestSent);
  const overdue = pending.filter((r) => Date.parse(r.at) <= t);
  const latestOverdue = overdue[overdue.length - 1];
  return pending.filter((r) => Date.parse(r.at) > t || r === latestOverdue);
}
