import { z } from 'zod';

/** The fields every group event starts with. */
const groupRef = { group_id: z.number().int(), event_id: z.number().int() };

/** The groups module's domain events; spread into the catalogue (`domain/catalogue.ts`). Each part keeps its own section. */
export const groupsEvents = {
  // --- groups, pricing, bulk orders and rosters (bookings) ---
  'group.created': {
    doc: 'A group was created for a leader and its seats are held (counted as sold) until its payment deadline.',
    payload: z.object({
      ...groupRef,
      leader_customer_id: z.number().int(),
      size: z.number().int(),
      hold_expires_at: z.string().describe('ISO 8601'),
    }),
  },
  'group.ordered': {
    doc: "A group's bulk order was placed: its roster set, each seat priced at the group price.",
    payload: z.object({
      ...groupRef,
      order_id: z.number().int(),
      size: z.number().int(),
      total_minor: z.number().int(),
      currency: z.string(),
      payment_deadline_at: z.string().describe('ISO 8601'),
    }),
  },
  // --- end bookings ---
  // --- split payments and deadlines (payments) ---
  'group.share_paid': {
    doc: "A share of a group was paid (a member's own seat, or seats the leader covers); its tickets are issued.",
    payload: z.object({
      ...groupRef,
      payment_id: z.number().int(),
      payer: z.enum(['leader', 'member']),
      member_ids: z.array(z.number().int()),
      amount_minor: z.number().int(),
      ticket_ids: z.array(z.number().int()),
    }),
  },
  'group.seats_released': {
    doc: "A group's unpaid seats went back on sale after the deadline and grace period (or on cancellation).",
    payload: z.object({
      ...groupRef,
      member_ids: z.array(z.number().int()),
      reason: z.enum(['deadline', 'cancelled']),
    }),
  },
  'group.cancelled': {
    doc: 'A group was cancelled: unpaid seats are released and paid shares refunded.',
    payload: z.object({ ...groupRef, refund_payment_ids: z.array(z.number().int()) }),
  },
  // --- end payments ---
  // --- roster, invitations and reassignment (groups-roster) ---
  'group.invitation_sent': {
    doc: "A member was e-mailed (or re-sent) a signed invitation to the group's roster.",
    payload: z.object({
      ...groupRef,
      member_id: z.number().int(),
      invitation_id: z.number().int(),
      resend: z.boolean(),
    }),
  },
  'group.invitation_accepted': {
    doc: 'A member accepted their invitation through its signed link; the seat is now theirs as a customer.',
    payload: z.object({
      ...groupRef,
      member_id: z.number().int(),
      invitation_id: z.number().int(),
      customer_id: z.number().int(),
    }),
  },
  'group.member_details_completed': {
    doc: "A member filled in their attendee details (name, e-mail, the group's questions); their ticket names them.",
    payload: z.object({ ...groupRef, member_id: z.number().int(), ticket_id: z.number().int().nullable() }),
  },
  'group.seat_reassigned': {
    doc: 'The leader gave a seat to another person before the cut-off: the old ticket code stops scanning, the old link closes and the new person is invited.',
    payload: z.object({
      ...groupRef,
      member_id: z.number().int(),
      old_ticket_id: z.number().int().nullable(),
      new_ticket_id: z.number().int().nullable(),
    }),
  },
  // --- end roster, invitations and reassignment (groups-roster) ---
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export const GROUPS_EVENT_TYPES = Object.keys(groupsEvents) as (keyof typeof groupsEvents)[];
