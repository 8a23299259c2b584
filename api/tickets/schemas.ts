import { z } from 'zod';
import { TICKET_STATUSES } from '../../db/tickets/tickets';
import { AfterParam, Email, IdParam, limitParam, optionalText } from '../schemas/common';

export const Ticket = z
  .object({
    id: z.number().int(),
    code: z.string().meta({ description: 'What the scanner reads; unguessable' }),
    status: z.enum(TICKET_STATUSES),
    event_id: z.number().int(),
    order_id: z.number().int(),
    ticket_type_id: z.number().int(),
    customer_id: z.number().int(),
    holder_name: z.string().nullable(),
    holder_email: z.string().nullable(),
    section: z.string().nullable(),
    seat: z.string().nullable(),
    replaced_by_ticket_id: z.number().int().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Ticket' });

export const TicketQuery = z.object({
  order_id: IdParam.optional(),
  event_id: IdParam.optional(),
  customer_id: IdParam.optional(),
  status: z.enum(TICKET_STATUSES).optional(),
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
});

export const UpdateTicket = z.strictObject({
  holder_name: optionalText(200),
  holder_email: Email.nullable().optional(),
  section: optionalText(50),
  seat: optionalText(50),
});
