import { z } from 'zod';
import { Id, IdParam, text, Timestamp } from '../schemas/common';

const Liquid = (max: number) => z.string().min(1).max(max);

export const CreateTemplate = z
  .strictObject({
    name: text(200),
    subject: Liquid(1000).meta({ description: 'Liquid, e.g. `Hi {{ customer.first_name }}`' }),
    mjml: Liquid(500_000).meta({
      description:
        'MJML with Liquid variables (`customer`, `tenant`, `event`, `campaign`, `unsubscribe_url`); block tags around whole sections go in `<mj-raw>`, e.g. `<mj-raw>{% if customer.segments contains 12 %}</mj-raw>`',
    }),
    text: Liquid(200_000)
      .nullable()
      .optional()
      .meta({ description: 'Liquid plain-text version; derived from the HTML when absent' }),
  })
  .meta({ id: 'CreateEmailTemplate' });

export const UpdateTemplate = CreateTemplate.partial().meta({ id: 'UpdateEmailTemplate' });

export const EmailTemplate = z
  .object({
    id: z.number().int(),
    name: z.string(),
    subject: z.string(),
    mjml: z.string(),
    text: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'EmailTemplate' });

export const PreviewTemplate = z.strictObject({ customer_id: Id }).meta({ id: 'PreviewEmailTemplate' });
export const RenderedTemplate = z
  .object({ subject: z.string(), html: z.string(), text: z.string() })
  .meta({ id: 'RenderedEmailTemplate' });

const VariantKey = z.enum(['A', 'B', 'C', 'D']);
const Variant = z.strictObject({
  key: VariantKey,
  subject: z.string().min(1).max(1000).nullable().optional().meta({ description: "Overrides the template's subject" }),
  template_id: Id,
});

const campaignFields = {
  name: text(200),
  segment_id: Id,
  template_id: Id.optional().meta({ description: 'The one template, when there are no variants' }),
  subject: z.string().min(1).max(1000).optional().meta({ description: "Overrides the template's subject" }),
  variants: z
    .array(Variant)
    .min(1)
    .max(4)
    .optional()
    .meta({ description: 'A/B variants (keys A-D, each once); the winner goes to the rest of the audience' }),
  test_share_pct: z.number().min(0).max(100).optional().meta({
    description: 'Share of the audience in the A/B test, split evenly across the variants (default 20)',
  }),
  winner_metric: z.enum(['click_rate', 'conversion_rate']).optional(),
  test_wait_s: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional()
    .meta({ description: 'A/B test length (default 4 h)' }),
  send_time_optimised: z.boolean().optional(),
  spread_s: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional()
    .meta({
      description: 'Window over which send-time optimisation spreads the sends (default 24 h)',
    }),
  attribution_days: z.number().int().min(1).max(90).optional().meta({
    description: 'Orders within this many days of the send count as conversions (default 7)',
  }),
  scheduled_at: Timestamp.nullable().optional(),
};

const variantsDistinct = (v: { variants?: { key: string }[] }) =>
  !v.variants || new Set(v.variants.map((x) => x.key)).size === v.variants.length;

export const CreateCampaign = z
  .strictObject(campaignFields)
  .refine((v) => Boolean(v.template_id) !== Boolean(v.variants), {
    message: 'give either template_id or variants',
    path: ['template_id'],
  })
  .refine(variantsDistinct, { message: 'each variant key once', path: ['variants'] })
  .meta({ id: 'CreateCampaign' });

export const UpdateCampaign = z
  .strictObject({
    name: campaignFields.name.optional(),
    segment_id: Id.optional(),
    template_id: campaignFields.template_id,
    subject: campaignFields.subject,
    variants: campaignFields.variants,
    test_share_pct: campaignFields.test_share_pct,
    winner_metric: campaignFields.winner_metric,
    test_wait_s: campaignFields.test_wait_s,
    send_time_optimised: campaignFields.send_time_optimised,
    spread_s: campaignFields.spread_s,
    attribution_days: campaignFields.attribution_days,
    scheduled_at: campaignFields.scheduled_at,
  })
  .refine((v) => !(v.template_id && v.variants), {
    message: 'give either template_id or variants',
    path: ['template_id'],
  })
  .refine(variantsDistinct, { message: 'each variant key once', path: ['variants'] })
  .meta({ id: 'UpdateCampaign' });

export const Campaign = z
  .object({
    id: z.number().int(),
    name: z.string(),
    segment_id: z.number().int(),
    status: z.enum(['draft', 'scheduled', 'testing', 'sending', 'sent', 'cancelled']),
    variants: z.array(z.object({ key: z.string(), subject: z.string().nullable(), template_id: z.number().int() })),
    test_share_pct: z.number(),
    winner_metric: z.string(),
    test_wait_s: z.number().int(),
    winner_variant: z.string().nullable(),
    winner_manual: z.boolean(),
    send_time_optimised: z.boolean(),
    spread_s: z.number().int(),
    attribution_days: z.number().int(),
    scheduled_at: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    workflow_id: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Campaign' });

export const ChooseWinner = z.strictObject({ variant: VariantKey }).meta({ id: 'ChooseCampaignWinner' });

const VariantReport = z.object({
  variant: z.string(),
  recipients: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  suppressed: z.number().int(),
  pending: z.number().int(),
  human_opens: z.number().int(),
  machine_opens: z.number().int(),
  unique_clicks: z.number().int(),
  click_rate: z.number(),
  conversions: z.number().int(),
  conversion_rate: z.number(),
  revenue_minor: z.number().int(),
});

export const CampaignReport = z
  .object({
    campaign_id: z.number().int(),
    status: z.string(),
    attribution_days: z.number().int(),
    variants: z.array(VariantReport),
    ab_test: z
      .object({
        metric: z.string(),
        winner: z.string().nullable(),
        manual: z.boolean(),
        p_value: z.number().nullable().meta({ description: 'Winner against the runner-up, two-proportion z-test' }),
        significant: z.boolean(),
      })
      .nullable(),
  })
  .meta({ id: 'CampaignReport' });

export const TokenParams = z.object({ token: z.string().max(4096) });
export const TemplateIdParams = z.object({ id: IdParam });
