import type { Tx } from '../connection';

/** A customer's figures, kept current by the CRM module's triggers (`db/crm/metrics.ts`) and its refresh. */
export interface CustomerMetricsRow {
  tenant_id: string;
  customer_id: number;
  total_orders: number;
  total_spent_minor: number;
  currency: string | null;
  avg_order_value_minor: number;
  first_purchase_at: Date | null;
  last_purchase_at: Date | null;
  events_attended: number;
  no_shows: number;
  attended_categories: string[];
  purchased_categories: string[];
  emails_opened: number;
  emails_clicked: number;
  last_opened_at: Date | null;
  last_clicked_at: Date | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_score: number | null;
  lifetime_value_minor: number | null;
  predicted_purchases_365d: number | null;
  churn_probability: number | null;
  churn_risk: 'low' | 'medium' | 'high' | null;
  updated_at: Date;
}

export async function getCustomerMetrics(tx: Tx, customerId: number): Promise<CustomerMetricsRow | undefined> {
  return tx<CustomerMetricsRow>('customer_metrics').where({ customer_id: customerId }).first();
}
