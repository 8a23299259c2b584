import { queueEmail } from '../../db/mail';
import { defineTrigger, type Trigger } from '../platform/triggers';

/**
 * The proposal's event-driven reactions that need no module of their own: keep each customer's
 * purchase metrics current (Order Created → CRM customer update), tell the organiser when an event
 * sells out (Ticket Sold Out → notify marketing), and summarise an event when it ends
 * (Event Ended → calculate metrics).
 */
export function insightTriggers(): Trigger[] {
  return [
    defineTrigger({
      name: 'insights.customer_metrics',
      on: ['order.created'],
      async run(event, { tx }) {
        // Recomputed from the orders themselves, so re-running it can never double-count.
        await tx.raw(
          `
          insert into customer_metrics (tenant_id, customer_id, total_orders, total_spent_minor, currency, avg_order_value_minor, first_purchase_at, last_purchase_at, updated_at)
          select o.tenant_id, o.customer_id, count(*), sum(o.total_minor), min(o.currency), (sum(o.total_minor) / count(*))::int, min(o.paid_at), max(o.paid_at), now()
          from orders o where o.customer_id = ? and o.status = 'paid' group by o.tenant_id, o.customer_id
          on conflict (tenant_id, customer_id) do update set
            total_orders = excluded.total_orders, total_spent_minor = excluded.total_spent_minor, currency = excluded.currency,
            avg_order_value_minor = excluded.avg_order_value_minor, first_purchase_at = excluded.first_purchase_at,
            last_purchase_at = excluded.last_purchase_at, updated_at = now()`,
          [event.payload.customer_id],
        );
      },
    }),
    defineTrigger({
      name: 'insights.sold_out_notice',
      on: ['event.sold_out'],
      async run(event, { tx }) {
        const tenant = await tx('tenants').where({ id: event.tenantId }).first('contact_email');
        const ev = await tx('events').where({ id: event.payload.event_id }).first('name', 'starts_at');
        if (!tenant?.contact_email || !ev) return;
        await queueEmail(tx, event.tenantId, {
          idempotencyKey: `sold-out-${event.id}`,
          to: tenant.contact_email,
          subject: `${ev.name} is sold out`,
          text: `Every ticket for ${ev.name} (${new Date(ev.starts_at).toUTCString()}) is sold. If the waitlist module is on, new buyers can join it now.`,
        });
      },
    }),
    defineTrigger({
      name: 'insights.event_summary',
      on: ['event.ended'],
      async run(event, { tx }) {
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
          [event.tenantId, ...Array(6).fill(event.payload.event_id)],
        );
      },
    }),
  ];
}
