import type { z } from 'zod';
import type { CustomerRow } from '../../db/customers/customers';
import type { CustomerMetricsRow } from '../../db/customers/metrics';
import { isoOrNull } from '../schemas/common';
import type { Customer, CustomerMetrics } from './schemas';

const pad = (n: number) => String(n).padStart(2, '0');
/** pg reads a `date` as local midnight of that day: its local parts are the day. */
const ymd = (d: Date): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

export const toCustomer = (c: CustomerRow): z.infer<typeof Customer> => ({
  id: c.id,
  external_ref: c.external_ref,
  email: c.email,
  name: c.name,
  phone: c.phone,
  birthday: c.birthday ? ymd(c.birthday) : null,
  country: c.country,
  city: c.city,
  tags: c.tags ?? [],
  marketing_consent: c.marketing_consent,
  erased_at: c.erased_at ? c.erased_at.toISOString() : null,
  created_at: c.created_at.toISOString(),
});

/** A customer's metrics; a customer with no purchase, attendance or engagement yet has zeros. */
export const toCustomerMetrics = (
  customerId: number,
  m: CustomerMetricsRow | undefined,
): z.infer<typeof CustomerMetrics> => ({
  customer_id: customerId,
  total_orders: m?.total_orders ?? 0,
  total_spent_minor: Number(m?.total_spent_minor ?? 0),
  currency: m?.currency?.trim() ?? null,
  avg_order_value_minor: m?.avg_order_value_minor ?? 0,
  first_purchase_at: isoOrNull(m?.first_purchase_at),
  last_purchase_at: isoOrNull(m?.last_purchase_at),
  events_attended: m?.events_attended ?? 0,
  no_shows: m?.no_shows ?? 0,
  attended_categories: m?.attended_categories ?? [],
  purchased_categories: m?.purchased_categories ?? [],
  emails_opened: m?.emails_opened ?? 0,
  emails_clicked: m?.emails_clicked ?? 0,
  last_opened_at: isoOrNull(m?.last_opened_at),
  last_clicked_at: isoOrNull(m?.last_clicked_at),
  r_score: m?.r_score ?? null,
  f_score: m?.f_score ?? null,
  m_score: m?.m_score ?? null,
  rfm_score: m?.rfm_score ?? null,
  lifetime_value_minor: m?.lifetime_value_minor == null ? null : Number(m.lifetime_value_minor),
  predicted_purchases_365d: m?.predicted_purchases_365d ?? null,
  churn_probability: m?.churn_probability ?? null,
  churn_risk: m?.churn_risk ?? null,
  updated_at: isoOrNull(m?.updated_at),
});
