import { z } from 'zod';
import { AfterParam, Id, IdParam, limitParam, MinorUnits } from '../schemas/common';
import { DEFAULT_PRICE_TEST_CHECK_INTERVAL_S } from '../../workflows/pricing/contract';

export const CreatePriceTest = z
  .strictObject({
    ticket_type_id: Id,
    prices_minor: z
      .array(MinorUnits)
      .min(2)
      .max(4)
      .refine((p) => new Set(p).size === p.length, { message: 'prices must differ' })
      .meta({ description: 'The arms, 2 to 4 distinct prices in minor units; the first is the control' }),
    mode: z.enum(['fixed', 'thompson']).default('fixed').meta({
      description:
        '`fixed` splits visitors equally; `thompson` shifts new visitors toward the arm likeliest to earn most per visitor',
    }),
    sample_size: z
      .number()
      .int()
      .min(2)
      .max(10_000_000)
      .meta({ description: 'Exposures (visitors quoted) in all arms after which the test ends and picks its winner' }),
    min_sample: z.number().int().min(1).max(10_000_000).optional().meta({
      description:
        'Exposures every arm needs before a significant result may end the test early (default: a tenth of sample_size per arm, at least 1)',
    }),
    confidence: z
      .number()
      .min(0.8)
      .max(0.999)
      .default(0.95)
      .meta({ description: 'Significance level is 1 - confidence' }),
    check_interval_s: z.number().int().min(1).max(86_400).default(DEFAULT_PRICE_TEST_CHECK_INTERVAL_S).meta({
      description: 'Seconds between looks at the statistics while running',
    }),
  })
  .refine((b) => b.min_sample === undefined || b.min_sample <= b.sample_size, {
    message: 'min_sample cannot exceed sample_size',
    path: ['min_sample'],
  });

export const PriceTestQuery = z.object({
  ticket_type_id: IdParam.optional(),
  status: z.enum(['draft', 'running', 'stopped', 'completed']).optional(),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

const ZTestResult = z.object({ z: z.number(), p_value: z.number(), significant: z.boolean() });
const TTestResult = z.object({ t: z.number(), df: z.number(), p_value: z.number(), significant: z.boolean() });

export const PriceTestArm = z.object({
  arm: z.number().int().meta({ description: 'Arm 0 is the control' }),
  price_minor: z.number().int(),
  weight: z.number().meta({ description: "The arm's share of new visitors" }),
});

export const PriceTestArmReport = PriceTestArm.extend({
  exposures: z.number().int(),
  conversions: z.number().int().meta({ description: 'Exposed visitors who paid an order at their quote' }),
  conversion_rate: z.number(),
  revenue_minor: z.number().int(),
  revenue_per_visitor_minor: z.number(),
  probability_best: z.number().meta({ description: 'Bayesian probability of the best conversion rate' }),
  probability_best_revenue: z.number().meta({ description: 'Bayesian probability of the best revenue per visitor' }),
  conversion_vs_control: ZTestResult.nullable().meta({ description: 'Two-proportion z-test against the control' }),
  revenue_vs_control: TTestResult.nullable().meta({
    description: "Welch's t-test of revenue per visitor against the control",
  }),
});

const fields = {
  id: z.number().int(),
  event_id: z.number().int(),
  ticket_type_id: z.number().int(),
  status: z.enum(['draft', 'running', 'stopped', 'completed']),
  mode: z.enum(['fixed', 'thompson']),
  sample_size: z.number().int(),
  min_sample: z.number().int(),
  confidence: z.number(),
  check_interval_s: z.number().int(),
  started_at: z.string().nullable(),
  stopped_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  winner_arm: z.number().int().nullable(),
  completed_because: z.enum(['significant', 'sample_size']).nullable(),
  created_at: z.string(),
};

export const PriceTestSummary = z.object({ ...fields, arms: z.array(PriceTestArm) }).meta({ id: 'PriceTestSummary' });

export const PriceTest = z
  .object({
    ...fields,
    arms: z.array(PriceTestArmReport),
    exposures: z.number().int(),
    conversions: z.number().int(),
    decision: z.object({
      leader_arm: z.number().int().meta({ description: 'Best revenue per visitor so far' }),
      runner_up_arm: z.number().int().nullable(),
      p_value: z.number().nullable().meta({
        description: "Welch's t-test of the leader against the runner-up, Bonferroni-adjusted over the other arms",
      }),
      significant: z.boolean(),
    }),
  })
  .meta({ id: 'PriceTest' });
