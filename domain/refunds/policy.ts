import { z } from 'zod';
import { localDayNumber, startOfLocalDay } from './calendar';

/**
 * A refund policy exactly as the design proposal writes it: windows keyed by days before the
 * event, a processing fee in major units (5.00 = €5), and whether tickets may become store credit.
 */
export const PolicyRules = z
  .strictObject({
    windows: z
      .array(
        z.strictObject({
          until_days_before: z.number().int().min(0).max(3650),
          refund_percentage: z.number().min(0).max(100).multipleOf(0.01),
          exchange_allowed: z.boolean(),
          transfer_allowed: z.boolean(),
        }),
      )
      .max(20)
      .refine(
        (ws) => new Set(ws.map((w) => w.until_days_before)).size === ws.length,
        'each until_days_before may appear once',
      ),
    processing_fee: z
      .number()
      .min(0)
      .max(10_000)
      .multipleOf(0.01)
      .default(0)
      .meta({ description: 'Deducted per refunded ticket, in major units of the ticket currency (5.00 = €5)' }),
    allow_credit_conversion: z.boolean().default(false),
  })
  .meta({ id: 'RefundPolicyRules' });

export type PolicyRules = z.output<typeof PolicyRules>;
export type PolicyWindow = PolicyRules['windows'][number];

/** What a policy that was never configured means: nothing is automatic, staff decide everything. */
export const NO_POLICY: PolicyRules = { windows: [], processing_fee: 0, allow_credit_conversion: false };

export const REQUEST_TYPES = ['refund', 'exchange', 'transfer', 'credit'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

const minorUnits = new Map<string, number>();

/** Minor units per major unit of an ISO currency (EUR 100, JPY 1). */
export function minorPerMajor(currency: string): number {
  let n = minorUnits.get(currency);
  if (n === undefined) {
    n = 10 ** new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits!;
    minorUnits.set(currency, n);
  }
  return n;
}

export interface QuoteContext {
  eventStartsAt: Date;
  /** The event's IANA zone: days are counted on its calendar. */
  timeZone: string;
  now: Date;
  currency: string;
  /** What was paid for each ticket in the request, in minor units. */
  paidMinor: number[];
}

export interface OptionQuote {
  allowed: boolean;
  reason: string;
}

export interface Quote {
  /**
   * Calendar days from today to the event's date, both in the event's zone: 0 on the event day,
   * 1 the day before. Null once the event has started.
   */
  daysBefore: number | null;
  window: PolicyWindow | null;
  /** The instant the current window stops applying (the next one, or none, takes over). */
  windowEndsAt: Date | null;
  paidMinor: number;
  refund: OptionQuote & { percentage: number; grossMinor: number; feeMinor: number; amountMinor: number };
  exchange: OptionQuote;
  transfer: OptionQuote;
  credit: OptionQuote & { amountMinor: number };
}

/**
 * The window in force: the one with the largest `until_days_before` that is <= the days left.
 * A window with `until_days_before: N` applies while at least N calendar days remain, so it
 * ends at the local midnight that starts the day N-1 days before the event (or at the event's
 * start, for N = 0).
 */
export function activeWindow(rules: PolicyRules, daysBefore: number): PolicyWindow | null {
  return (
    [...rules.windows]
      .sort((a, b) => b.until_days_before - a.until_days_before)
      .find((w) => daysBefore >= w.until_days_before) ?? null
  );
}

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);

/** What a customer would get right now for each option, and why. */
export function quote(rules: PolicyRules, ctx: QuoteContext): Quote {
  const paidMinor = sum(ctx.paidMinor);
  const none = (reason: string): Quote => ({
    daysBefore: null,
    window: null,
    windowEndsAt: null,
    paidMinor,
    refund: { allowed: false, reason, percentage: 0, grossMinor: 0, feeMinor: 0, amountMinor: 0 },
    exchange: { allowed: false, reason },
    transfer: { allowed: false, reason },
    credit: { allowed: false, reason, amountMinor: 0 },
  });
  if (ctx.now >= ctx.eventStartsAt) return none('the event has started');

  const eventDay = localDayNumber(ctx.eventStartsAt, ctx.timeZone);
  const daysBefore = eventDay - localDayNumber(ctx.now, ctx.timeZone);
  const window = activeWindow(rules, daysBefore);
  const credit = rules.allow_credit_conversion
    ? {
        allowed: true,
        reason: 'the policy converts tickets to store credit at their full price until the event starts',
        amountMinor: paidMinor,
      }
    : { allowed: false, reason: 'the policy does not convert tickets to store credit', amountMinor: 0 };
  if (!window) {
    const reason = rules.windows.length
      ? `no refund window applies ${daysBefore} days before the event`
      : 'no refund policy is set; staff decide';
    return { ...none(reason), daysBefore, credit };
  }

  const endDay = eventDay - window.until_days_before + 1;
  const windowEndsAt = window.until_days_before === 0 ? ctx.eventStartsAt : startOfLocalDay(endDay, ctx.timeZone);
  const feePerTicket = Math.round(rules.processing_fee * minorPerMajor(ctx.currency));
  // Rounded down per ticket, so a refund never exceeds the percentage.
  const gross = ctx.paidMinor.map((p) => Math.floor((p * window.refund_percentage) / 100));
  const grossMinor = sum(gross);
  const feeMinor = sum(gross.map((g) => Math.min(g, feePerTicket)));
  const amountMinor = grossMinor - feeMinor;
  const until = `${window.until_days_before} or more days before the event`;
  const refundReason =
    window.refund_percentage === 0
      ? `no refund ${daysBefore} days before the event`
      : amountMinor === 0
        ? 'the processing fee takes the whole refund'
        : `${window.refund_percentage}% refund ${until}${feeMinor ? `, less a processing fee of ${feeMinor} minor units` : ''}`;
  return {
    daysBefore,
    window,
    windowEndsAt,
    paidMinor,
    refund: {
      allowed: amountMinor > 0,
      reason: refundReason,
      percentage: window.refund_percentage,
      grossMinor,
      feeMinor,
      amountMinor,
    },
    exchange: window.exchange_allowed
      ? { allowed: true, reason: `exchanges are allowed ${until}` }
      : { allowed: false, reason: `no exchanges ${daysBefore} days before the event` },
    transfer: window.transfer_allowed
      ? { allowed: true, reason: `transfers are allowed ${until}` }
      : { allowed: false, reason: `no transfers ${daysBefore} days before the event` },
    credit,
  };
}

/** A request inside the policy is approved at once; anything else waits for staff. */
export function isWithinPolicy(q: Quote, type: RequestType): boolean {
  return q[type].allowed;
}

/** The quote as the API shows it (and as a request keeps it): snake_case, instants as ISO strings. */
export function quoteToJson(q: Quote) {
  return {
    days_before: q.daysBefore,
    window: q.window,
    window_ends_at: q.windowEndsAt?.toISOString() ?? null,
    paid_minor: q.paidMinor,
    refund: {
      allowed: q.refund.allowed,
      reason: q.refund.reason,
      percentage: q.refund.percentage,
      gross_minor: q.refund.grossMinor,
      fee_minor: q.refund.feeMinor,
      amount_minor: q.refund.amountMinor,
    },
    exchange: q.exchange,
    transfer: q.transfer,
    credit: { allowed: q.credit.allowed, reason: q.credit.reason, amount_minor: q.credit.amountMinor },
  };
}
export type QuoteJson = ReturnType<typeof quoteToJson>;
