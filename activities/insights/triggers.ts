import { getEvent } from '../../db/events/events';
import { refreshEventSummary } from '../../db/insights/event-summaries';
import { queueEmail } from '../../db/platform/mail';
import { getTenant } from '../../db/tenants/tenants';
import { defineTrigger, type Trigger } from '../platform/triggers';

/**
 * The proposal's event-driven reactions that need no module of their own: tell the organiser when
 * an event sells out (Ticket Sold Out → notify marketing), and summarise an event when it ends
 * (Event Ended → calculate metrics). Customer metrics (Order Created → CRM customer update) are the
 * CRM module's (`activities/crm/customer-data.ts`).
 */
export function insightTriggers(): Trigger[] {
  return [
    defineTrigger({
      name: 'insights.sold_out_notice',
      on: ['event.sold_out'],
      async run(event, { tx }) {
        const tenant = await getTenant(tx, event.tenantId);
        const ev = await getEvent(tx, event.payload.event_id);
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
        await refreshEventSummary(tx, event.tenantId, event.payload.event_id);
      },
    }),
  ];
}
