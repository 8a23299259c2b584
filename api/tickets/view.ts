import type { z } from 'zod';
import type { TicketRow } from '../../db/tickets/tickets';
import type { Ticket } from './schemas';

export const toTicket = (t: TicketRow): z.infer<typeof Ticket> => ({
  id: t.id,
  code: t.code,
  status: t.status,
  event_id: t.event_id,
  order_id: t.order_id,
  ticket_type_id: t.ticket_type_id,
  customer_id: t.customer_id,
  holder_name: t.holder_name,
  holder_email: t.holder_email,
  section: t.section,
  seat: t.seat,
  replaced_by_ticket_id: t.replaced_by_ticket_id,
  created_at: t.created_at.toISOString(),
});
