import { z } from 'zod';
import { AfterParam, Email, ExternalRef, Tags, limitParam, optionalText, text } from '../schemas/common';

export const Birthday = z.iso
  .date()
  .refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), 'a date between 1900 and today');

export const MarketingConsentInput = z
  .strictObject({
    granted: z.boolean(),
    source: text(100).meta({ description: 'Where it was given or withdrawn: checkout, preference_centre, api, ...' }),
  })
  .meta({ description: 'E-mail marketing consent; every change is kept in the consent ledger' });

/** Profile data segments use: absent leaves the stored value, null clears it. */
const profile = {
  birthday: Birthday.nullable().optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals, e.g. DE')
    .nullable()
    .optional(),
  city: optionalText(200),
  tags: Tags.optional(),
  marketing_consent: MarketingConsentInput.optional(),
};

export const CustomerInput = z.strictObject({
  email: Email,
  name: text(200),
  phone: optionalText(40),
  external_ref: ExternalRef.optional(),
  ...profile,
});

export const UpdateCustomer = z.strictObject({
  email: Email.optional(),
  name: text(200).optional(),
  phone: optionalText(40),
  ...profile,
});

export const Customer = z
  .object({
    id: z.number().int(),
    external_ref: z.string().nullable(),
    email: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    birthday: z.string().nullable().meta({ description: 'YYYY-MM-DD' }),
    country: z.string().nullable(),
    city: z.string().nullable(),
    tags: z.array(z.string()),
    marketing_consent: z.boolean(),
    erased_at: z.string().nullable().meta({ description: 'Set once the personal data was erased' }),
    created_at: z.string(),
  })
  .meta({ id: 'Customer' });

export const CustomerQuery = z.object({
  q: z.string().trim().min(1).max(200).optional().meta({ description: 'Search by e-mail or name' }),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const CreateCustomerToken = z.strictObject({
  ttl_seconds: z.number().int().min(30).max(86_400).optional(),
});

export const CustomerToken = z
  .object({
    token: z.string(),
    customer_id: z.number().int(),
    expires_at: z.string(),
  })
  .meta({ id: 'CustomerToken' });

export const CustomerMetrics = z
  .object({
    customer_id: z.number().int(),
    total_orders: z.number().int(),
    total_spent_minor: z.number().int(),
    currency: z.string().nullable(),
    avg_order_value_minor: z.number().int(),
    first_purchase_at: z.string().nullable(),
    last_purchase_at: z.string().nullable(),
    events_attended: z.number().int(),
    no_shows: z.number().int(),
    attended_categories: z.array(z.string()),
    purchased_categories: z.array(z.string()),
    emails_opened: z.number().int(),
    emails_clicked: z.number().int(),
    last_opened_at: z.string().nullable(),
    last_clicked_at: z.string().nullable(),
    r_score: z.number().int().nullable(),
    f_score: z.number().int().nullable(),
    m_score: z.number().int().nullable(),
    rfm_score: z.number().int().nullable().meta({ description: 'r·100 + f·10 + m (quintiles within the tenant)' }),
    lifetime_value_minor: z.number().int().nullable().meta({ description: 'Expected spend over the next 365 days' }),
    predicted_purchases_365d: z.number().nullable(),
    churn_probability: z.number().nullable(),
    churn_risk: z.enum(['low', 'medium', 'high']).nullable(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'CustomerMetrics' });
