import { z } from 'zod';
import { REVIEW_STATUSES } from '../../domain/surveys/feedback-reviews';
import { RuleActionSchema } from '../../domain/surveys/feedback-rules';
import { NPS_GROUPS } from '../../domain/surveys/nps';
import { AfterParam, Id, IdParam, Timestamp, limitParam, optionalText, text } from '../schemas/common';

const Status = z.enum(REVIEW_STATUSES);
const Score = z.number().int().min(0).max(10);

export const CreateReview = z.strictObject({
  event_id: Id,
  customer_id: Id.optional().meta({
    description: "Whose review (an API key acting for a customer); a customer token's own customer otherwise",
  }),
  rating: z.number().int().min(1).max(5).meta({ description: 'Stars, 1–5' }),
  title: optionalText(200),
  body: text(5000),
  publish_consent: z
    .boolean()
    .default(false)
    .meta({ description: 'The reviewer agrees that the organiser may show the review as a testimonial on its site' }),
});

export const ModerationEntry = z.object({
  from_status: Status,
  to_status: Status,
  reason: z.string().nullable(),
  moderator: z.string().nullable(),
  api_key_id: z.number().int().nullable(),
  at: Timestamp,
});

export const Review = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    customer_id: z.number().int(),
    rating: z.number().int(),
    title: z.string().nullable(),
    body: z.string(),
    verified: z.literal(true).meta({ description: 'Always true: only checked-in attendees can review' }),
    checked_in_at: Timestamp,
    publish_consent: z.boolean(),
    status: Status,
    testimonial: z.boolean(),
    organiser_response: z.string().nullable(),
    responded_at: Timestamp.nullable(),
    created_at: Timestamp,
    moderation_log: z.array(ModerationEntry).optional().meta({ description: 'Who changed the status, when and why' }),
  })
  .meta({ id: 'SurveyReview' });

export const ReviewsQuery = z.object({
  event_id: IdParam.optional(),
  status: Status.optional(),
  testimonial: z.enum(['true', 'false']).optional(),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const ModerateReview = z.strictObject({
  status: Status,
  reason: optionalText(1000),
  moderator: optionalText(200).meta({ description: 'Who moderated (a name or e-mail), logged beside the API key' }),
});

export const UpdateReview = z.strictObject({
  organiser_response: text(5000)
    .nullable()
    .optional()
    .meta({ description: "The organiser's public reply to the review; null removes it" }),
  testimonial: z
    .boolean()
    .optional()
    .meta({ description: "Show the review on the tenant's site (approved reviews whose reviewer agreed only)" }),
});

export const PublicReviewsParams = z.object({ tenant_id: z.string().min(1).max(64), id: IdParam });
export const PublicTenantParams = z.object({ tenant_id: z.string().min(1).max(64) });
export const PublicLimitQuery = z.object({ limit: limitParam(100, 20) });

const AggregateRating = z.object({
  rating_value: z.number().nullable(),
  review_count: z.number().int(),
  best_rating: z.literal(5),
  worst_rating: z.literal(1),
});

const PublicReview = z.object({
  id: z.number().int(),
  rating: z.number().int(),
  title: z.string().nullable(),
  body: z.string(),
  author: z.string().meta({ description: 'First name and last initial' }),
  verified: z.literal(true),
  published_at: Timestamp,
  organiser_response: z.string().nullable(),
});

export const PublicReviews = z
  .object({
    event_id: z.number().int(),
    aggregate_rating: AggregateRating,
    reviews: z.array(PublicReview),
    json_ld: z
      .record(z.string(), z.unknown())
      .meta({ description: 'schema.org Event with AggregateRating and Review' }),
    json_ld_script: z
      .string()
      .meta({ description: 'The same data as an HTML script element of type application/ld+json, ready to paste' }),
  })
  .meta({ id: 'PublicSurveyReviews' });

export const Testimonials = z.object({
  items: z.array(PublicReview.extend({ event_id: z.number().int() })),
});

const RuleFields = {
  name: text(200),
  survey_id: Id.nullable().default(null).meta({ description: 'Only responses to this survey; null: every survey' }),
  enabled: z.boolean().default(true),
  nps_min: Score.nullable().default(null).meta({ description: 'Applies to scores at or above this' }),
  nps_max: Score.nullable().default(null).meta({ description: 'Applies to scores at or below this' }),
  actions: z.array(RuleActionSchema).min(1).max(10),
};

const rangeGiven = (r: { nps_min?: number | null; nps_max?: number | null }): boolean =>
  (r.nps_min ?? null) !== null || (r.nps_max ?? null) !== null;
const rangeOrdered = (r: { nps_min?: number | null; nps_max?: number | null }): boolean =>
  r.nps_min == null || r.nps_max == null || r.nps_min <= r.nps_max;

export const CreateRule = z
  .strictObject(RuleFields)
  .refine(rangeGiven, { message: 'give nps_min, nps_max or both', path: ['nps_max'] })
  .refine(rangeOrdered, { message: 'nps_min must not exceed nps_max', path: ['nps_min'] });

export const UpdateRule = z
  .strictObject({
    name: RuleFields.name.optional(),
    survey_id: Id.nullable().optional(),
    enabled: z.boolean().optional(),
    nps_min: Score.nullable().optional(),
    nps_max: Score.nullable().optional(),
    actions: RuleFields.actions.optional(),
  })
  .refine(rangeOrdered, { message: 'nps_min must not exceed nps_max', path: ['nps_min'] });

export const Rule = z
  .object({
    id: z.number().int(),
    name: z.string(),
    survey_id: z.number().int().nullable(),
    enabled: z.boolean(),
    nps_min: z.number().int().nullable(),
    nps_max: z.number().int().nullable(),
    actions: z.array(RuleActionSchema),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'SurveyRule' });

export const NpsQuery = z.object({
  survey_id: IdParam.optional(),
  event_id: IdParam.optional(),
  ticket_type_id: IdParam.optional(),
  gate: z.string().min(1).max(100).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  group_by: z
    .enum(NPS_GROUPS)
    .optional()
    .meta({ description: 'Also break the NPS down per group; time buckets in UTC' }),
});

export const NpsSummary = z.object({
  responses: z.number().int(),
  promoters: z.number().int(),
  passives: z.number().int(),
  detractors: z.number().int(),
  nps: z.number().nullable().meta({ description: '% promoters (9–10) minus % detractors (0–6)' }),
  margin_of_error: z.number().nullable().meta({
    description:
      '95% margin in NPS points: 1.96 × sqrt((p_P + p_D − (p_P − p_D)²) / n) × 100; null under two responses',
  }),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
});

export const NpsReport = z
  .object({
    overall: NpsSummary,
    group_by: z.enum(NPS_GROUPS).nullable(),
    groups: z.array(NpsSummary.extend({ key: z.string().nullable() })),
  })
  .meta({ id: 'SurveyNpsReport' });

export const AnalyticsQuery = z.object({
  survey_id: IdParam,
  event_id: IdParam.optional(),
  themes: limitParam(100, 20).meta({ description: 'How many themes (most frequent words) to list' }),
});

export const SurveyAnalytics = z
  .object({
    survey_id: z.number().int(),
    event_id: z.number().int().nullable(),
    response_rate: z.object({
      sent: z.number().int(),
      responded: z.number().int(),
      rate: z.number().nullable().meta({ description: 'responded / sent, 0–1; null when nothing was sent' }),
    }),
    nps: NpsSummary,
    questions: z.array(
      z.object({
        question_id: z.string(),
        type: z.string(),
        text: z.string(),
        answered: z.number().int(),
        counts: z.record(z.string(), z.number().int()),
        mean: z.number().nullable(),
        nps: NpsSummary.nullable(),
      }),
    ),
    themes: z.array(z.object({ word: z.string(), answers: z.number().int() })),
    sentiment: z.object({
      answers: z.number().int(),
      mean: z.number().nullable().meta({ description: 'Mean AFINN score per word, about −5..5' }),
      positive: z.number().int(),
      neutral: z.number().int(),
      negative: z.number().int(),
    }),
  })
  .meta({ id: 'SurveyAnalytics' });
