import type { Tx } from '../connection';

/** Computes (or recomputes) an event's summary: tickets sold and cancelled, paid orders and their revenue. */
export async function refreshEventSummary(tx: Tx, tenantId: string, eventId: number): Promise<void> {
  await tx.raw(
    `
    insert into event_summaries (tenant_id, event_id, tickets_sold, tickets_cancelled, revenue_minor, currency, orders, computed_at)
    select ?, ?,
      (select count(*) from tickets t where t.event_id = ? and t.status = 'valid'),
      (select count(*) from tickets t where t.event_id = ? and t.status <> 'valid'),
      coalesce((select sum(total_minor) from orders o where o.event_id = ? and o.status = 'paid'), 0),
      (select min(currency) from orders o where o.event_id = ? and o.status = 'paid'),
      (select count(*) from orders o where o.event_id = ? and o.status = 'paid'),
      now()
    on conflict (tenant_id, event_id) do update set tickets_sold = excluded.tickets_sold, tickets_cancelled = excluded.tickets_cancelled,
      revenue_minor = excluded.revenue_minor, currency = excluded.currency, orders = excluded.orders, computed_at = now()`,
    [tenantId, ...Array(6).fill(eventId)],
  );
}
