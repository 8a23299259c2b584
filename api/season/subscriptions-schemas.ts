import { z } from 'zod';
import { Id, IdParam, MinorUnits, Pagination, Timestamp, optionalText } from '../schemas/common';
import { SUBSCRIPTION_STATUSES } from '../../domain/season/packages';
import { PAYMENT_KINDS } from '../../db/season/payments';

const Provider = z.enum(['stripe', 'offline']);

export const CreateSubscription = z.strictObject({
  package_id: Id,
  customer_id: Id,
  provider: Provider.optional().meta({
    description:
      "How it is paid: `stripe` (Stripe Subscription or instalment Schedule) or `offline` (payments recorded by hand); default: the deployment's provider",
  }),
  auto_renew: z.boolean().optional().meta({ description: 'Renew into the next season (default true)' }),
  instalments: z
    .number()
    .int()
    .min(1)
    .max(24)
    .optional()
    .meta({ description: 'One-time packages only: pay in this many monthly instalments (default 1)' }),
});

export const SubscriptionsQuery = Pagination.extend({
  customer_id: IdParam.optional().meta({ examples: [1] }),
  package_id: IdParam.optional().meta({ examples: [1] }),
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
});

export const PauseSubscription = z.strictObject({
  resume_at: Timestamp.meta({ description: 'When the subscription becomes active again (before its end)' }),
});

export const CancelSubscription = z.strictObject({
  at_period_end: z
    .boolean()
    .optional()
    .meta({ description: 'true (default): stays active until ends_at and does not renew; false: ends now' }),
});

export const ChangePackage = z.strictObject({
  package_id: Id,
  apply: z
    .boolean()
    .optional()
    .meta({ description: 'false (default): only preview the proration; true: move to the package and bill it' }),
});

export const RecordPayment = z.strictObject({
  amount_minor: MinorUnits.refine((v) => v > 0, 'a positive amount'),
  kind: z.enum(PAYMENT_KINDS).optional().meta({ description: 'What it pays (default manual)' }),
  reference: optionalText(200).meta({ description: 'Receipt or terminal reference' }),
});

export const SeasonPayment = z
  .object({
    id: z.number().int(),
    kind: z.enum(PAYMENT_KINDS),
    amount_minor: z.number().int().meta({ description: 'Negative: a credit to the customer' }),
    currency: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed', 'refunded']),
    provider: Provider,
    provider_ref: z.string().nullable(),
    attempt: z.number().int(),
    failure_reason: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'SeasonPayment' });

export const Subscription = z
  .object({
    id: z.number().int(),
    package_id: z.number().int(),
    customer_id: z.number().int(),
    status: z.enum(SUBSCRIPTION_STATUSES),
    flex_credits_remaining: z.number().int().nullable(),
    price_minor: z.number().int().meta({ description: 'Price of the period (pro rata when bought mid-season)' }),
    currency: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    auto_renew: z.boolean(),
    renews_at: z.string().nullable(),
    paused_until: z.string().nullable(),
    cancel_at_period_end: z.boolean(),
    cancelled_at: z.string().nullable(),
    payment_provider: Provider,
    paid_offline: z
      .boolean()
      .meta({ description: 'Paid outside Usher: payments are recorded by hand, no card is charged' }),
    billing_note: z.string(),
    stripe_customer_id: z.string().nullable(),
    stripe_subscription_id: z.string().nullable(),
    stripe_subscription_schedule_id: z.string().nullable(),
    instalments: z.number().int(),
    paid_minor: z.number().int().meta({ description: 'Sum of succeeded payments (credits subtracted)' }),
    payments: z.array(SeasonPayment),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'SeasonSubscription' });

export const SubscriptionSummary = Subscription.omit({ payments: true }).meta({ id: 'SeasonSubscriptionSummary' });

export const ChangePreview = z
  .object({
    subscription_id: z.number().int(),
    from_package_id: z.number().int(),
    to_package_id: z.number().int(),
    credit_minor: z.number().int().meta({ description: 'Unused share of the current package' }),
    charge_minor: z.number().int().meta({ description: 'Remaining share of the new package' }),
    net_minor: z.number().int().meta({ description: 'Positive: charged; negative: credited' }),
    currency: z.string(),
    applied: z.boolean(),
    subscription: Subscription.nullable().meta({ description: 'The subscription after the change, when applied' }),
  })
  .meta({ id: 'SeasonPackageChange' });
