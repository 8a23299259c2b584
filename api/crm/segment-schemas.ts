import { z } from 'zod';
import { AfterParam, limitParam, optionalText, text } from '../schemas/common';
import { FIELD_NAMES, OPERATORS, PROPOSAL_EXAMPLE_RULE } from '../../domain/crm/segment-rules';

/**
 * Rule JSON is checked by domain/crm/segment-rules.ts, which reports each bad condition by its
 * JSON path (`invalid_segment_rule`); here it only has to be an object.
 */
export const SegmentRules = z.record(z.string(), z.unknown()).meta({
  id: 'SegmentRules',
  description:
    '`{conditions: [...], match: "all" | "any"}`; a condition is `{field, operator, value}` or a nested group ' +
    '`{all: [...]}`, `{any: [...]}`, `{not: condition}`, `{conditions, match}`. ' +
    `Fields: ${FIELD_NAMES.join(', ')}. Operators: ${OPERATORS.join(' ')}. ` +
    'Money in major units; within/not_within take durations such as "90 days".',
  example: PROPOSAL_EXAMPLE_RULE,
});

const RefreshInterval = z
  .number()
  .int()
  .min(1)
  .max(2_592_000)
  .meta({ description: 'Seconds between re-evaluations of a dynamic segment (default 3600)' });

export const CreateSegment = z.strictObject({
  name: text(200),
  description: optionalText(2000),
  rules: SegmentRules,
  is_dynamic: z
    .boolean()
    .optional()
    .meta({ description: 'Dynamic (default) re-evaluates as data and time change; static is a snapshot' }),
  refresh_interval_s: RefreshInterval.optional(),
});

export const UpdateSegment = z.strictObject({
  name: text(200).optional(),
  description: optionalText(2000),
  rules: SegmentRules.optional(),
  is_dynamic: z.boolean().optional(),
  refresh_interval_s: RefreshInterval.optional(),
});

export const Segment = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    rules: z.unknown(),
    customer_count: z.number().int(),
    is_dynamic: z.boolean(),
    refresh_interval_s: z.number().int(),
    last_evaluated_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'CustomerSegment' });

export const PreviewSegment = z.strictObject({ rules: SegmentRules });

const SampleCustomer = z.object({ id: z.number().int(), email: z.string(), name: z.string() });
export const SegmentPreview = z
  .object({ count: z.number().int(), sample: z.array(SampleCustomer).max(20) })
  .meta({ id: 'SegmentPreview' });

export const MembersQuery = z.object({
  limit: limitParam(500, 100),
  after: AfterParam.optional().meta({ description: 'Return memberships with an id above this cursor' }),
  include_removed: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'true: every stay in the segment, with added_at and removed_at' }),
});

export const SegmentMember = z
  .object({
    id: z.number().int(),
    customer_id: z.number().int(),
    email: z.string(),
    name: z.string(),
    added_at: z.string(),
    removed_at: z.string().nullable(),
  })
  .meta({ id: 'CustomerSegmentMember' });

export const SegmentEvaluation = z
  .object({
    segment: Segment,
    entered: z.number().int(),
    exited: z.number().int(),
  })
  .meta({ id: 'CustomerSegmentEvaluation' });

export const SegmentPerformance = z
  .object({
    segment_id: z.number().int(),
    customer_count: z.number().int(),
    sizes: z.array(z.object({ at: z.string(), size: z.number().int() })),
    revenue: z
      .array(
        z.object({
          currency: z.string(),
          total_spent_minor: z.number().int().meta({ description: 'Lifetime spend of current members' }),
          revenue_30d_minor: z.number().int().meta({ description: "Current members' paid orders, last 30 days" }),
          revenue_90d_minor: z.number().int(),
          orders_30d: z.number().int(),
          orders_90d: z.number().int(),
        }),
      )
      .meta({ description: 'One entry per currency' }),
  })
  .meta({ id: 'CustomerSegmentPerformance' });
