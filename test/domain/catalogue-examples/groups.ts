import type { EventPayload } from '../../../domain/catalogue';
import type { groupsEvents } from '../../../domain/groups/events';

/** Every shape the groups module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const groupsEventExamples: { [K in keyof typeof groupsEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- groups, pricing, bulk orders and rosters (bookings) ---
  'group.created': [
    { group_id: 1, event_id: 2, leader_customer_id: 3, size: 20, hold_expires_at: '2026-05-01T10:00:00.000Z' },
  ],
  'group.ordered': [
    {
      group_id: 1,
      event_id: 2,
      order_id: 9,
      size: 20,
      total_minor: 81000,
      currency: 'EUR',
      payment_deadline_at: '2026-05-08T10:00:00.000Z',
    },
  ],
  // --- end bookings ---
  // --- split payments and deadlines (payments) ---
  'group.share_paid': [
    {
      group_id: 1,
      event_id: 2,
      payment_id: 4,
      payer: 'member',
      member_ids: [11],
      amount_minor: 4050,
      ticket_ids: [31],
    },
    {
      group_id: 1,
      event_id: 2,
      payment_id: 5,
      payer: 'leader',
      member_ids: [12, 13],
      amount_minor: 8100,
      ticket_ids: [32, 33],
    },
  ],
  'group.seats_released': [
    { group_id: 1, event_id: 2, member_ids: [14, 15], reason: 'deadline' },
    { group_id: 1, event_id: 2, member_ids: [], reason: 'cancelled' },
  ],
  'group.cancelled': [{ group_id: 1, event_id: 2, refund_payment_ids: [4] }],
  // --- end payments ---
  // --- roster, invitations and reassignment (groups-roster) ---
  'group.invitation_sent': [
    { group_id: 1, event_id: 2, member_id: 11, invitation_id: 21, resend: false },
    { group_id: 1, event_id: 2, member_id: 11, invitation_id: 21, resend: true },
  ],
  'group.invitation_accepted': [{ group_id: 1, event_id: 2, member_id: 11, invitation_id: 21, customer_id: 5 }],
  'group.member_details_completed': [
    { group_id: 1, event_id: 2, member_id: 11, ticket_id: 31 },
    { group_id: 1, event_id: 2, member_id: 12, ticket_id: null },
  ],
  'group.seat_reassigned': [
    { group_id: 1, event_id: 2, member_id: 11, old_ticket_id: 31, new_ticket_id: 34 },
    { group_id: 1, event_id: 2, member_id: 12, old_ticket_id: null, new_ticket_id: null },
  ],
  // --- end roster, invitations and reassignment (groups-roster) ---
};
