/**
 * Validates a pricing rule's `rules` JSON per strategy (zod) and turns it into the typed shapes the
 * engine evaluates (rule-shapes.ts). Prices in the JSON are MAJOR units, as in the proposal
 * (50 = €50.00, at most two decimals); the parsed shapes hold MINOR units (5000). Errors carry their
 * JSON path (the field errors of one object together; cross-field checks such as min_price <=
 * max_price once its fields are valid); a bad condition also carries the offending token's offset.
 *
 * time      { timezone?, tiers?: [{ until: "YYYY-MM-DD" | ISO instant | "event", price, label }],
 *             variations?: [{ days?: ["sat", ...], from?: "HH:MM", to?: "HH:MM", <adjustment>, label? }],
 *             surge?: { within_hours, <adjustment>, label? } }
 * demand    { base_price, min_price, max_price, window?: "90m" | "2h" | "1d",
 *             rules: [{ condition, action: "increase" | "decrease" | "set", amount, window? }] }
 * inventory { base_price?, thresholds?: [{ condition, <adjustment>, label? }], sections?: { name: <adjustment> },
 *             scarcity?: [{ condition, <adjustment>, label? }],
 *             flash_sales?: [{ start, end, price? | percent_off?, label? }] }
 * manual    { price, label? }
 * <adjustment> is exactly one of `price` (set), `amount` (signed, major units) or `percent` (signed).
 * `timezone` is an IANA name or a UTC offset ("+01:00"); without it, the event's zone. Each shape
 * may repeat its `strategy`, as the proposal's examples do.
 */
import { z } from 'zod';
import type { RuleDefinition, Strategy, TierEnd } from './rule-shapes';
import { WEEKDAYS } from './rule-shapes';
import { longestRateUnitMs } from './grammar';
import {
  HOUR_MS,
  adjustment,
  adjustmentFields,
  adjustmentOf,
  condition,
  duration,
  instant,
  label,
  price,
  tierEnd,
  timezone,
} from './definition-fields';

export interface DefinitionError {
  /** Where in the JSON, e.g. `rules[0].condition`, `tiers[2].until`. */
  path: string;
  message: string;
  /** For a bad condition: the 0-based offset of the offending token in the condition text. */
  position?: number;
}

export type ParseDefinitionResult = { ok: true; definition: RuleDefinition } | { ok: false; errors: DefinitionError[] };

/** A tier end as comparable milliseconds (a date as UTC midnight), for ordering checks. */
function roughMs(end: TierEnd): number {
  if (end.kind === 'instant') return end.atMs;
  if (end.kind === 'date') return Date.UTC(end.year, end.month - 1, end.day);
  return Infinity;
}

const tiers = z
  .array(z.strictObject({ until: tierEnd.meta({ description: 'YYYY-MM-DD, ISO instant or "event"' }), price, label }))
  .min(1)
  .max(100)
  .superRefine((list, ctx) => {
    list.forEach((tier, i) => {
      if (tier.until.kind === 'event' && i !== list.length - 1) {
        ctx.addIssue({ code: 'custom', path: [i, 'until'], message: '"event" must be the last tier' });
      } else if (i > 0 && roughMs(tier.until) <= roughMs(list[i - 1].until)) {
        ctx.addIssue({ code: 'custom', path: [i, 'until'], message: "must be later than the previous tier's until" });
      }
    });
  });

const weekday = z.string().transform((text, ctx) => {
  const lower = text.toLowerCase();
  const index = WEEKDAYS.findIndex(
    (d) => lower === d || (lower.length > 3 && lower.startsWith(d) && lower.endsWith('day')),
  );
  if (index >= 0) return index;
  ctx.addIssue({ code: 'custom', message: 'a weekday: mon, tue, wed, thu, fri, sat or sun' });
  return z.NEVER;
});

const clock = z.string().transform((text, ctx) => {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (match && Number(match[2]) < 60 && minutes <= 24 * 60) return minutes;
  ctx.addIssue({ code: 'custom', message: 'a local time HH:MM from 00:00 to 24:00' });
  return z.NEVER;
});

const variation = z
  .strictObject({
    days: z.array(weekday).min(1).max(7).optional(),
    from: clock.optional(),
    to: clock.optional(),
    label: label.optional(),
    ...adjustmentFields,
  })
  .transform((v, ctx) => {
    if ((v.from === undefined) !== (v.to === undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.from === undefined ? 'from' : 'to'], message: 'give both from and to' });
    } else if (v.from !== undefined && (v.from === v.to || v.from === 24 * 60)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'from and to must differ, and from must be before 24:00' });
    } else if (v.from === undefined && v.days === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give days, or from and to, or both' });
    }
    const adj = adjustmentOf(v, ctx);
    if (!adj) return z.NEVER;
    return {
      days: v.days ? [...new Set(v.days)].sort() : null,
      fromMinute: v.from ?? null,
      toMinute: v.to ?? null,
      adjustment: adj,
      label: v.label ?? null,
    };
  });

const surge = z
  .strictObject({ within_hours: z.number().positive().max(8760), label: label.optional(), ...adjustmentFields })
  .transform((s, ctx) => {
    const adj = adjustmentOf(s, ctx);
    if (!adj) return z.NEVER;
    return { withinMs: Math.round(s.within_hours * HOUR_MS), adjustment: adj, label: s.label ?? null };
  });

const timeSchema = z
  .strictObject({
    strategy: z.literal('time').optional(),
    timezone: timezone.optional(),
    tiers: tiers.optional(),
    variations: z.array(variation).max(50).optional(),
    surge: surge.optional(),
  })
  .transform((d, ctx): RuleDefinition => {
    if (!d.tiers && !d.variations?.length && !d.surge) {
      ctx.addIssue({ code: 'custom', message: 'give tiers, variations or a surge' });
      return z.NEVER;
    }
    return {
      strategy: 'time',
      zone: d.timezone ?? null,
      tiers: (d.tiers ?? []).map((t) => ({
        until: t.until,
        untilText: tierEndText(t.until),
        priceMinor: t.price,
        label: t.label,
      })),
      variations: d.variations ?? [],
      surge: d.surge ?? null,
    };
  });

function tierEndText(end: TierEnd): string {
  if (end.kind === 'date')
    return `${end.year}-${String(end.month).padStart(2, '0')}-${String(end.day).padStart(2, '0')}`;
  if (end.kind === 'instant') return new Date(end.atMs).toISOString();
  return 'the event';
}

const demandSchema = z
  .strictObject({
    strategy: z.literal('demand').optional(),
    base_price: price,
    min_price: price,
    max_price: price,
    window: duration
      .optional()
      .meta({ description: 'How far back sales velocity looks, e.g. "2h"; default one unit of the rate' }),
    rules: z
      .array(
        z.strictObject({
          condition,
          action: z.enum(['increase', 'decrease', 'set']),
          amount: price,
          window: duration.optional(),
        }),
      )
      .min(1)
      .max(50),
  })
  .transform((d, ctx): RuleDefinition => {
    if (d.min_price > d.max_price) {
      ctx.addIssue({ code: 'custom', path: ['max_price'], message: 'must be at least min_price' });
    } else if (d.base_price < d.min_price || d.base_price > d.max_price) {
      ctx.addIssue({ code: 'custom', path: ['base_price'], message: 'must be between min_price and max_price' });
    }
    return {
      strategy: 'demand',
      basePriceMinor: d.base_price,
      minPriceMinor: d.min_price,
      maxPriceMinor: d.max_price,
      windowMs: d.window ?? null,
      rules: d.rules.map((r) => ({
        condition: r.condition.condition,
        source: r.condition.source,
        action: r.action,
        amountMinor: r.amount,
        windowMs: r.window ?? null,
      })),
    };
  });

const trigger = z.strictObject({ condition, label: label.optional(), ...adjustmentFields }).transform((t, ctx) => {
  const adj = adjustmentOf(t, ctx);
  if (!adj) return z.NEVER;
  return { condition: t.condition.condition, source: t.condition.source, adjustment: adj, label: t.label ?? null };
});

const flashSale = z
  .strictObject({
    start: instant,
    end: instant,
    price: price.optional(),
    percent_off: z.number().positive().max(100).optional(),
    label: label.optional(),
  })
  .transform((f, ctx) => {
    if (f.end <= f.start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    if ((f.price === undefined) === (f.percent_off === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of price or percent_off' });
    }
    return {
      startMs: f.start,
      endMs: f.end,
      priceMinor: f.price ?? null,
      percentOff: f.percent_off ?? null,
      label: f.label ?? 'Flash sale',
    };
  });

const inventorySchema = z
  .strictObject({
    strategy: z.literal('inventory').optional(),
    base_price: price.optional(),
    thresholds: z.array(trigger).max(50).optional(),
    sections: z.record(z.string().min(1).max(100), adjustment).optional(),
    scarcity: z.array(trigger).max(50).optional(),
    flash_sales: z.array(flashSale).max(50).optional(),
  })
  .transform((d, ctx): RuleDefinition => {
    const thresholds = d.thresholds ?? [];
    const scarcity = d.scarcity ?? [];
    const sections = new Map(Object.entries(d.sections ?? {}));
    const flashSales = d.flash_sales ?? [];
    if (thresholds.length + scarcity.length + sections.size + flashSales.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'give thresholds, sections, scarcity or flash_sales' });
    }
    return {
      strategy: 'inventory',
      basePriceMinor: d.base_price ?? null,
      thresholds,
      sections,
      scarcity,
      flashSales,
      usesVelocity: [...thresholds, ...scarcity].some((t) => longestRateUnitMs(t.condition) !== null),
    };
  });

const manualSchema = z
  .strictObject({ strategy: z.literal('manual').optional(), price, label: label.optional() })
  .transform((d): RuleDefinition => ({ strategy: 'manual', priceMinor: d.price, label: d.label ?? null }));

const SCHEMAS = { time: timeSchema, demand: demandSchema, inventory: inventorySchema, manual: manualSchema } as const;

/** `rules[0].condition`; keys that are not identifiers are quoted: `sections["VIP A"]`. */
function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

export function parseRuleDefinition(strategy: Strategy, json: unknown): ParseDefinitionResult {
  const parsed = SCHEMAS[strategy].safeParse(json);
  if (parsed.success) return { ok: true, definition: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => {
      const position = issue.code === 'custom' ? issue.params?.position : undefined;
      return {
        path: pathText(issue.path),
        message: issue.message,
        ...(typeof position === 'number' ? { position } : {}),
      };
    }),
  };
}
