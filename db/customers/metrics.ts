import type { Tx } from '../connection';

/** A customer's purchase figures, kept current by the insights trigger on every paid order. */
export interface CustomerMetricsRow {
  tenant_id: string;
  customer_id: number;
  total_orders: number;
  total_spent_minor: number;
  currency: string | null;
  avg_order_value_minor: number;
  first_purchase_at: Date | null;
  last_purchase_at: Date | null;
  updated_at: Date;
}

export async function getCustomerMetrics(tx: Tx, customerId: number): Promise<CustomerMetricsRow | undefined> {
  return tx<CustomerMetricsRow>('customer_metrics').where({ customer_id: customerId }).first();
}
