/** The JSON fields pricing rule definitions share, as zod schemas that parse into engine shapes. */
import { z } from 'zod';
import type { Adjustment, RuleZone, TierEnd } from './rule-shapes';
import type { Condition } from './grammar';
import { parseCondition } from './grammar';
import { isKnownTimeZone } from './local-time';

/** Prices up to a million in major units. */
const MAX_MAJOR = 1_000_000;
export const HOUR_MS = 3_600_000;

function twoDecimals(n: number): boolean {
  return Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;
}

const toMinor = (n: number): number => Math.round(n * 100);
const TWO_DECIMALS = 'at most two decimals (major units: 49.99 is 49.99, not cents)';

export const price = z.number().min(0).max(MAX_MAJOR).refine(twoDecimals, TWO_DECIMALS).transform(toMinor);
export const signedAmount = z
  .number()
  .min(-MAX_MAJOR)
  .max(MAX_MAJOR)
  .refine(twoDecimals, TWO_DECIMALS)
  .transform(toMinor);
export const percent = z.number().min(-100).max(1000);
export const label = z.string().trim().min(1).max(100);

export const adjustmentFields = {
  price: price.optional(),
  amount: signedAmount.optional(),
  percent: percent.optional(),
};

/** Exactly one of price/amount/percent, as an Adjustment. */
export function adjustmentOf(
  o: { price?: number; amount?: number; percent?: number },
  ctx: z.RefinementCtx,
): Adjustment | undefined {
  const given = [o.price, o.amount, o.percent].filter((v) => v !== undefined).length;
  if (given !== 1) {
    ctx.addIssue({ code: 'custom', message: 'give exactly one of price, amount or percent' });
    return undefined;
  }
  if (o.price !== undefined) return { kind: 'set', priceMinor: o.price };
  if (o.amount !== undefined) return { kind: 'amount', deltaMinor: o.amount };
  return { kind: 'percent', percent: o.percent ?? 0 };
}

export const adjustment = z.strictObject(adjustmentFields).transform((o, ctx) => adjustmentOf(o, ctx) ?? z.NEVER);

export const condition = z
  .string()
  .transform((source, ctx): { condition: Condition; source: string } => {
    const parsed = parseCondition(source);
    if (parsed.ok) return { condition: parsed.condition, source };
    ctx.addIssue({ code: 'custom', message: parsed.error.message, params: { position: parsed.error.position } });
    return z.NEVER;
  })
  .meta({ description: 'e.g. "sales_velocity > 50/hour", "inventory < 10%", "sold >= 80%", "remaining <= 20"' });

const DURATION_UNITS: Record<string, number> = { m: 60_000, min: 60_000, h: HOUR_MS, d: 24 * HOUR_MS };
export const duration = z.string().transform((text, ctx) => {
  const match = /^(\d+)\s*(m|min|h|d)$/.exec(text.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
  if (!(ms >= 60_000 && ms <= 90 * 24 * HOUR_MS)) {
    ctx.addIssue({ code: 'custom', message: 'a window such as "30m", "2h" or "1d" (1 minute to 90 days)' });
    return z.NEVER;
  }
  return ms;
});

export const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

export const timezone = z.string().transform((text, ctx): RuleZone => {
  if (text === 'Z' || text === 'UTC') return { kind: 'offset', minutes: 0 };
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(text);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3]);
    if (Number(offset[3]) < 60 && minutes <= 14 * 60)
      return { kind: 'offset', minutes: offset[1] === '-' ? -minutes : minutes };
  } else if (text.includes('/') && isKnownTimeZone(text)) {
    return { kind: 'iana', name: text };
  }
  ctx.addIssue({
    code: 'custom',
    message: 'an IANA time zone such as "Europe/Amsterdam" or a UTC offset such as "+01:00"',
  });
  return z.NEVER;
});

export const tierEnd = z.string().transform((text, ctx): TierEnd => {
  if (text === 'event') return { kind: 'event' };
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCMonth() === month - 1 && check.getUTCDate() === day) return { kind: 'date', year, month, day };
  } else if (instant.safeParse(text).success) {
    return { kind: 'instant', atMs: Date.parse(text) };
  }
  ctx.addIssue({ code: 'custom', message: 'a date (YYYY-MM-DD), an ISO instant with its offset, or "event"' });
  return z.NEVER;
});
