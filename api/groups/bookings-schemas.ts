import { z } from 'zod';
import { Email, Id, Pagination, fromDecimal, text } from '../schemas/common';

const Seats = z
  .array(z.strictObject({ ticket_type_id: Id, quantity: z.number().int().min(1).max(10000) }))
  .min(1)
  .max(50)
  .refine((s) => new Set(s.map((l) => l.ticket_type_id)).size === s.length, 'one line per ticket type')
  .refine((s) => s.reduce((n, l) => n + l.quantity, 0) <= 10000, 'a group has at most 10000 seats');

export const CreateGroup = z.strictObject({
  event_id: Id,
  name: text(200),
  seats: Seats.meta({ description: 'Seats to hold per ticket type; the group size is their sum' }),
  payment_mode: z
    .enum(['leader', 'members', 'mixed'])
    .default('leader')
    .meta({ description: 'Who pays: the leader for all, each member their own share, or mixed (leader covers some)' }),
  leader_customer_id: Id.optional().meta({
    description: 'The leader (tenant keys only; a customer token leads itself)',
  }),
});

export const GroupsQuery = Pagination.extend({ event_id: fromDecimal(Id).optional() });

export const QuoteRequest = z.strictObject({ event_id: Id, seats: Seats });

const RosterMember = z.strictObject({ name: text(200), email: Email, ticket_type_id: Id });

export const BulkOrder = z
  .strictObject({
    members: z.array(RosterMember).min(1).max(10000).optional(),
    roster_csv: z
      .string()
      .min(1)
      .max(2_000_000)
      .optional()
      .meta({ description: 'CSV with header name,email,ticket_type (a ticket type id or exact name)' }),
    covered_by_leader: z
      .array(Email)
      .max(10000)
      .default([])
      .meta({ description: 'Mixed mode: members (by e-mail) whose seats the leader pays' }),
  })
  .refine((b) => (b.members === undefined) !== (b.roster_csv === undefined), {
    message: 'give exactly one of members or roster_csv',
    path: ['members'],
  });

const Quote = z.object({
  size: z.number().int(),
  percent_off: z.number().int(),
  free_seats: z.number().int(),
  list_total_minor: z.number().int(),
  total_minor: z.number().int(),
  currency: z.string(),
  lines: z.array(
    z.object({
      ticket_type_id: z.number().int(),
      quantity: z.number().int(),
      list_price_minor: z.number().int(),
      total_minor: z.number().int(),
      free: z.number().int(),
    }),
  ),
});
export const GroupQuote = Quote.meta({ id: 'GroupQuote' });

export const GroupMember = z
  .object({
    id: z.number().int(),
    ticket_type_id: z.number().int(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    status: z.string(),
    price_minor: z.number().int().nullable(),
    covered_by_leader: z.boolean(),
    paid: z.boolean(),
    ticket_id: z.number().int().nullable(),
  })
  .meta({ id: 'GroupMember' });

export const Group = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    leader_customer_id: z.number().int(),
    name: z.string(),
    size: z.number().int(),
    status: z.string(),
    payment_mode: z.string(),
    currency: z.string().nullable(),
    hold_expires_at: z.string().nullable(),
    payment_deadline_at: z.string().nullable(),
    order_id: z.number().int().nullable(),
    owed_minor: z.number().int().meta({ description: 'What the unpaid, unreleased seats still cost' }),
    members: z.array(GroupMember),
  })
  .meta({ id: 'Group' });

export const GroupSummary = Group.omit({ members: true }).meta({ id: 'GroupSummary' });

export const BulkOrderResult = z.object({ group: Group, quote: Quote }).meta({ id: 'GroupBulkOrder' });
