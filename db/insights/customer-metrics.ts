import type { Tx } from '../connection';

/** Recomputes a customer's purchase metrics from their paid orders, so re-running it can never double-count. */
export async function refreshCustomerMetrics(tx: Tx, customerId: number): Promise<void> {
  await tx.raw(
    `
    insert into customer_metrics (tenant_id, customer_id, total_orders, total_spent_minor, currency, avg_order_value_minor, first_purchase_at, last_purchase_at, updated_at)
    select o.tenant_id, o.customer_id, count(*), sum(o.total_minor), min(o.currency), (sum(o.total_minor) / count(*))::int, min(o.paid_at), max(o.paid_at), now()
    from orders o where o.customer_id = ? and o.status = 'paid' group by o.tenant_id, o.customer_id
    on conflict (tenant_id, customer_id) do update set
      total_orders = excluded.total_orders, total_spent_minor = excluded.total_spent_minor, currency = excluded.currency,
      avg_order_value_minor = excluded.avg_order_value_minor, first_purchase_at = excluded.first_purchase_at,
      last_purchase_at = excluded.last_purchase_at, updated_at = now()`,
    [customerId],
  );
}
