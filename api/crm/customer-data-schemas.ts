import { z } from 'zod';
import { Customer, CustomerMetrics, MarketingConsentInput } from '../customers/schemas';
import { AfterParam, Tags, limitParam } from '../schemas/common';

export const ConsentEntry = z
  .object({
    id: z.number().int(),
    channel: z.string(),
    granted: z.boolean(),
    source: z.string(),
    recorded_at: z.string(),
  })
  .meta({ id: 'CrmConsentEntry' });

export const CrmCustomerProfile = z
  .object({
    customer: Customer,
    metrics: CustomerMetrics,
    consent: z.object({
      email: z.boolean().meta({ description: 'Current e-mail marketing consent' }),
      last_change: ConsentEntry.nullable(),
    }),
    tags: z.array(z.string()),
  })
  .meta({ id: 'CrmCustomerProfile' });

export const ConsentChangeInput = MarketingConsentInput;

export const ConsentChangeResult = z
  .object({
    customer_id: z.number().int(),
    marketing_consent: z.boolean(),
    changed: z.boolean().meta({ description: 'false when the consent already was so: nothing is recorded' }),
    entry: ConsentEntry.nullable().meta({ description: "The customer's latest ledger entry" }),
  })
  .meta({ id: 'CrmConsentChange' });

export const ConsentQuery = z.object({
  limit: limitParam(500, 200),
  after: AfterParam.optional().meta({ description: 'Return entries with an id above this cursor' }),
});

export const TagChange = z
  .strictObject({ add: Tags.optional(), remove: Tags.optional() })
  .refine((b) => (b.add?.length ?? 0) + (b.remove?.length ?? 0) > 0, { message: 'give tags to add or remove' });

export const StartMetricsRefresh = z.strictObject({
  horizon_days: z
    .number()
    .int()
    .min(30)
    .max(1825)
    .optional()
    .meta({ description: 'Horizon of lifetime value and predicted purchases (default 365 days)' }),
});

export const LtvModelView = z
  .object({
    method: z.enum(['bgnbd_gg', 'fallback']).meta({
      description:
        '`bgnbd_gg`: BG/NBD + Gamma-Gamma fitted by maximum likelihood; `fallback`: fewer than 50 repeat customers (historical rate × AOV, churn from recency vs the median gap)',
    }),
    bgnbd: z
      .object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() })
      .nullable()
      .meta({ description: 'Time unit: weeks' }),
    gamma_gamma: z.object({ p: z.number(), q: z.number(), gamma: z.number() }).nullable(),
    log_likelihood: z.number().nullable(),
    customers: z.number().int(),
    repeat_customers: z.number().int(),
    horizon_days: z.number().int(),
    details: z.record(z.string(), z.unknown()),
    fitted_at: z.string(),
  })
  .meta({ id: 'CrmLtvModel' });

export const MetricsRefreshView = z
  .object({
    run: z
      .object({
        id: z.number().int(),
        status: z.enum(['running', 'completed', 'failed']),
        workflow_id: z.string(),
        horizon_days: z.number().int(),
        customers: z.number().int().nullable(),
        error: z.string().nullable(),
        started_at: z.string(),
        completed_at: z.string().nullable(),
      })
      .nullable(),
    model: LtvModelView.nullable(),
  })
  .meta({ id: 'CrmMetricsRefresh' });
