import { z } from 'zod';
import { AfterParam, Id, IdParam, limitParam, MinorUnits, text } from '../schemas/common';
import { STRATEGIES } from '../../domain/pricing/engine';

/** The proposal's early-bird example: prices in major units, dates or "event" as tier ends. */
export const EARLY_BIRD_EXAMPLE = {
  strategy: 'time',
  tiers: [
    { until: '2025-01-01', price: 50, label: 'Super Early Bird' },
    { until: '2025-02-01', price: 65, label: 'Early Bird' },
    { until: '2025-03-01', price: 80, label: 'Regular' },
    { until: 'event', price: 95, label: 'Door Price' },
  ],
};

/**
 * A rule definition is checked by domain/pricing/definitions.ts, which reports each problem by its
 * JSON path and, for a bad condition, the offending token's offset (`invalid_rule`); here it only
 * has to be an object.
 */
export const RuleDefinitionJson = z.record(z.string(), z.unknown()).meta({
  id: 'PricingRuleDefinition',
  description:
    'Prices in MAJOR units (50 = 50.00). time: `{tiers: [{until: "YYYY-MM-DD" | ISO instant | "event", price, label}], ' +
    'variations?, surge?, timezone?}`; demand: `{base_price, min_price, max_price, window?, rules: [{condition, ' +
    'action: increase|decrease|set, amount}]}` with conditions such as `sales_velocity > 50/hour`, `inventory < 10%`; ' +
    'inventory: `{base_price?, thresholds?, sections?, scarcity?, flash_sales?}`; manual: `{price, label?}`.',
  example: EARLY_BIRD_EXAMPLE,
});

const Strategy = z.enum(STRATEGIES);
const Status = z.enum(['active', 'paused']);
const Priority = z
  .number()
  .int()
  .min(-1000)
  .max(1000)
  .meta({ description: 'The lower number wins when several rules apply (default 100); ties go to the older rule' });

export const CreateRule = z.strictObject({
  ticket_type_id: Id,
  strategy: Strategy,
  rules: RuleDefinitionJson,
  priority: Priority.optional(),
  status: Status.optional().meta({ description: 'default active' }),
});

export const UpdateRule = z.strictObject({
  strategy: Strategy.optional().meta({ description: 'A new strategy needs `rules` of its shape' }),
  rules: RuleDefinitionJson.optional(),
  priority: Priority.optional(),
  status: Status.optional(),
});

export const Rule = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    ticket_type_id: z.number().int(),
    strategy: Strategy,
    rules: z.unknown(),
    priority: z.number().int(),
    status: Status,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'PricingRule' });

export const RulesQuery = z.object({
  limit: limitParam(200, 50),
  after: AfterParam.optional().meta({ description: 'Return rules with an id above this cursor' }),
  ticket_type_id: IdParam.optional().meta({ examples: [1] }),
  event_id: IdParam.optional().meta({ examples: [1] }),
});

export const ManualPrice = z.strictObject({
  price_minor: MinorUnits,
  reason: text(200).optional().meta({ description: 'Recorded with the change (default "manual")' }),
});

export const PriceChangeOutcome = z
  .object({
    changed: z.boolean(),
    old_price_minor: z.number().int(),
    new_price_minor: z.number().int(),
    lowest_30d_minor: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'With a reduction: the lowest price of the prior 30 days (EU Omnibus Directive)' }),
    limited_by: z.array(z.string()).meta({
      description:
        'Guardrails that held the requested price back: floor, cap, max_change_per_day, never_decrease, min_interval',
    }),
    retry_at: z.string().nullable().meta({ description: 'When min_interval held the price: when it may change' }),
  })
  .meta({ id: 'PriceChangeOutcome' });

export const PriceChange = z
  .object({
    id: z.number().int(),
    ticket_type_id: z.number().int(),
    old_price_minor: z.number().int(),
    new_price_minor: z.number().int(),
    reason: z.string(),
    rule_id: z.number().int().nullable(),
    source: z.enum(['rule', 'manual', 'test']),
    changed_at: z.string(),
  })
  .meta({ id: 'PriceChange' });

export const PriceHistory = z
  .object({
    ticket_type_id: z.number().int(),
    current_price_minor: z.number().int(),
    currency: z.string(),
    lowest_30d_minor: z.number().int().meta({ description: 'The lowest price of the last 30 days (Omnibus)' }),
    items: z.array(PriceChange),
    next_cursor: z.number().int().nullable(),
  })
  .meta({ id: 'PriceHistory' });

export const Schedule = z
  .object({
    ticket_type_id: z.number().int(),
    currency: z.string(),
    current_price_minor: z.number().int(),
    tiers: z
      .array(
        z.object({
          from: z.string(),
          until: z.string().nullable().meta({ description: 'null: until the event starts' }),
          price_minor: z.number().int(),
          label: z.string().nullable(),
          rule_id: z.number().int().nullable(),
        }),
      )
      .meta({ description: 'The prices time rules plan from now on, within the guardrails (floor and cap)' }),
    price_range: z
      .object({ min_minor: z.number().int(), max_minor: z.number().int() })
      .meta({ description: 'The lowest and highest price the active rules can reach within the guardrails' }),
  })
  .meta({ id: 'PricingSchedule' });
