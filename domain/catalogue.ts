import { z } from 'zod';
import { crmEvents } from './crm/events';
import { pricingEvents } from './pricing/events';
import { seasonEvents } from './season/events';
import { streamingEvents } from './streaming/events';
import { surveysEvents } from './surveys/events';
import { upsellsEvents } from './upsells/events';
import { groupsEvents } from './groups/events';
import { REQUEST_TYPES } from './refunds/policy';

/**
 * Every domain event Usher writes to the outbox: its type, when it is emitted (the webhook
 * documentation reads `doc`) and its payload, exactly as emitted. `emit` and triggers accept only
 * these types, and the dispatcher parses each payload with its schema before a trigger sees it.
 * Schemas are plain `z.object`s, which drop unknown keys: triggers and webhooks get exactly the
 * documented fields.
 */

const id = z.number().int();
const ids = z.array(id);
const minor = z.number().int().describe('minor units of the currency');
const currency = z.string().describe('ISO 4217 code');
const eventRef = { event_id: id };

const refundRequest = {
  request_id: id,
  type: z.enum(REQUEST_TYPES),
  status: z.enum(['pending', 'approved', 'rejected', 'processed']),
  order_id: id,
  event_id: id,
  customer_id: id,
  currency,
  refund_amount_minor: minor,
  fee_amount_minor: minor,
};

const ticketRef = { ticket_id: id, event_id: id, ticket_type_id: id };
const replaced = { old_ticket_id: id, new_ticket_id: id.describe('the ticket that replaces it') };

const closedOrder = z.object({
  order_id: id,
  event_id: id,
  reason: z.string(),
  released_ticket_ids: ids.describe('tickets cancelled with the order'),
});
const closedOffer = z.object({ entry_id: id, event_id: id });

export const catalogue = {
  'event.created': { doc: 'An event was created.', payload: z.object(eventRef) },
  'event.updated': {
    doc: 'Details of an event that ticket holders see (name, venue, times, timezone) changed.',
    payload: z.object({ ...eventRef, changed: z.array(z.string()).describe('names of the fields that changed') }),
  },
  'event.cancelled': { doc: 'The tenant cancelled an event.', payload: z.object(eventRef) },
  'event.refunds_started': {
    doc: 'The tenant started refunding every ticket of an event (at 100%, or as store credit), e.g. because it is cancelled.',
    payload: z.object({ ...eventRef, run_id: id, mode: z.enum(['refund', 'credit']) }),
  },
  'event.refunds_completed': {
    doc: "An event's mass refund finished: every order taken was refunded, or counted as failed for staff.",
    payload: z.object({
      ...eventRef,
      run_id: id,
      mode: z.enum(['refund', 'credit']),
      total: z.number().int().describe('orders the run refunded or tried to'),
      done: z.number().int().describe('orders refunded'),
      failed: z.number().int().describe('orders the payment provider refused'),
    }),
  },
  'event.ended': {
    doc: 'An event ended: its end time passed, or the tenant set it to ended.',
    payload: z.object(eventRef),
  },
  'event.sold_out': {
    doc: 'No ticket of an event is left for sale; the event is now sold out.',
    payload: z.object(eventRef),
  },
  'event.back_on_sale': {
    doc: 'A sold-out event has tickets for sale again (released, refunded or added inventory).',
    payload: z.object({ ...eventRef, remaining: z.number().int().describe('tickets now for sale') }),
  },
  'ticket_type.created': {
    doc: 'The tenant added a ticket type to an event.',
    payload: z.object({ ticket_type_id: id, event_id: id, inventory: z.number().int() }),
  },
  'ticket_type.inventory_changed': {
    doc: "The tenant changed a ticket type's inventory.",
    payload: z.object({
      ticket_type_id: id,
      event_id: id,
      inventory: z.number().int(),
      available: z.number().int().describe('inventory minus tickets sold or held'),
      previous_inventory: z.number().int(),
    }),
  },
  'ticket_type.sold_out': {
    doc: 'An order reserved the last tickets of a ticket type.',
    payload: z.object({ ticket_type_id: id, event_id: id }),
  },
  'customer.erased': {
    doc: "A customer's personal data was erased (GDPR): name, e-mail, phone, birthday and city are anonymised and marketing consent withdrawn; orders and tickets remain.",
    payload: z.object({ customer_id: id }),
  },
  'order.placed': {
    doc: 'An order was placed and its tickets reserved; it is not paid yet.',
    payload: z.object({ order_id: id, event_id: id, total_minor: minor, currency }),
  },
  'order.created': {
    doc: 'An order was paid and its tickets issued.',
    payload: z.object({
      order_id: id,
      event_id: id,
      customer_id: id,
      total_minor: minor,
      currency,
      ticket_ids: ids,
    }),
  },
  'order.cancelled': { doc: 'An order was cancelled and its seats released.', payload: closedOrder },
  'order.expired': {
    doc: 'An unpaid order passed its payment deadline and its seats were released.',
    payload: closedOrder,
  },
  'order.failed': { doc: "An order's payment failed and its seats were released.", payload: closedOrder },
  'ticket.updated': {
    doc: "A ticket's holder or seat was updated.",
    payload: z.object({
      ticket_id: id,
      event_id: id,
      changed: z.array(z.string()).describe('names of the fields that changed'),
    }),
  },
  'ticket.cancelled': {
    doc: 'A ticket was cancelled (by the tenant, a refund or an exchange); it no longer scans and its seat is free.',
    payload: z.object(ticketRef),
  },
  'ticket.voided': {
    doc: 'A ticket was replaced by a new one, through an exchange or a resale; its code no longer scans.',
    payload: z.object({ ...ticketRef, ...replaced, reason: z.enum(['exchanged', 'resold']) }),
  },
  'ticket.transferred': {
    // --- a group seat reassignment transfers too (groups-roster) ---
    doc: "A refund request or a group leader's seat reassignment transferred a ticket to another customer, who holds a new ticket for the same seat.",
    // --- end a group seat reassignment transfers too (groups-roster) ---
    payload: z.object({ ...ticketRef, ...replaced, new_customer_id: id }),
  },
  'refund.requested': {
    doc: 'A customer asked for a refund, exchange, transfer or store credit.',
    payload: z.object(refundRequest),
  },
  'refund.approved': {
    doc: 'A refund request was approved, by staff or automatically within the refund policy.',
    payload: z.object(refundRequest),
  },
  'refund.rejected': {
    doc: 'Staff rejected a refund request.',
    payload: z.object({ ...refundRequest, note: z.string().nullable() }),
  },
  'refund.processed': {
    doc: 'An approved refund request was carried out, its money returned where any was due.',
    payload: z.object({
      ...refundRequest,
      route: z.enum(['provider', 'credit', 'external', 'none']).describe('where the money went'),
      payment_refund_id: z.string().nullable().describe("the payment provider's refund id"),
    }),
  },
  'refund.reminder': {
    doc: 'A pending refund request has waited for a decision longer than the tenant allows.',
    payload: z.object({ request_id: id, type: z.enum(REQUEST_TYPES), order_id: id }),
  },
  'waitlist.offers_made': {
    doc: 'Released tickets were offered to the next waitlist entries in line.',
    payload: z.object({
      event_id: id,
      ticket_type_id: id,
      entry_ids: ids,
      window_ms: z.number().int().describe('how long each offer holds its seats'),
    }),
  },
  'waitlist.offer_expired': {
    doc: 'A waitlist offer ran out without a purchase; its seats went back.',
    payload: closedOffer,
  },
  'waitlist.offer_cancelled': {
    doc: 'A customer left the waitlist while holding an offer; its seats went back.',
    payload: closedOffer,
  },
  'waitlist.purchased': {
    doc: 'A waitlist entry bought the tickets it was offered.',
    payload: z.object({ entry_id: id, event_id: id, order_id: id }),
  },
  'resale.listed': {
    doc: 'A ticket was listed for resale.',
    payload: z.object({ listing_id: id, event_id: id, ticket_type_id: id, asking_price_minor: minor }),
  },
  'resale.cancelled': {
    doc: 'A resale listing was withdrawn, by its seller or because its ticket is no longer valid.',
    payload: z.object({
      listing_id: id,
      event_id: id,
      reason: z.string().optional().describe('present when Usher withdrew the listing'),
    }),
  },
  'resale.sold': {
    doc: 'A resale listing was bought.',
    payload: z.object({ listing_id: id, event_id: id, transaction_id: id, order_id: id }),
  },
  'resale.payout_completed': {
    doc: 'The seller of a resold ticket was paid out.',
    payload: z.object({ transaction_id: id, reference: z.string().describe('the payout reference') }),
  },
  'checkin.alert': {
    doc: 'Check-in raised an alert: a gate near capacity, a suspicious scan, a VIP arrival or a device offline.',
    payload: z.object({
      id,
      event_id: id,
      gate_id: id.nullable(),
      kind: z.enum(['capacity', 'suspicious', 'vip_arrival', 'device_offline']),
      message: z.string(),
      payload: z.record(z.string(), z.unknown()).describe('details of the alert, by kind'),
      created_at: z.iso.datetime(),
    }),
  },
  'module.enabled': {
    doc: 'The tenant switched a module on (`PUT /api/modules/{module}`): a new subscription, or one enabled again.',
    payload: z.object({ module: z.string().describe('the module, e.g. analytics') }),
  },
  'webhook.endpoint_disabled': {
    doc: 'A webhook endpoint was disabled after too many consecutive failed deliveries.',
    payload: z.object({ endpoint_id: id, url: z.string(), consecutive_failures: z.number().int() }),
  },
  'email.queued': {
    doc: 'E-mails were queued for sending.',
    payload: z.object({ email_ids: ids }),
  },
  ...crmEvents,
  ...pricingEvents,
  ...seasonEvents,
  ...upsellsEvents,
  ...surveysEvents,
  ...groupsEvents,
  ...streamingEvents,
  'test.ping': {
    doc: 'A check that the outbox dispatcher runs its triggers (tests and operators).',
    payload: z.object({ i: z.number().int().optional() }),
  },
} as const satisfies Record<string, { doc: string; payload: z.ZodObject }>;

export type EventType = keyof typeof catalogue;
export type EventPayload<T extends EventType> = z.output<(typeof catalogue)[T]['payload']>;

/** A catalogued type with its payload, discriminated on `type`. */
export type CataloguedEvent<T extends EventType = EventType> = {
  [K in T]: { type: K; payload: EventPayload<K> };
}[T];

export const EVENT_TYPES = Object.keys(catalogue) as EventType[];

export const isEventType = (type: string): type is EventType => Object.hasOwn(catalogue, type);

/**
 * Parses a stored payload against its type's schema; a type outside the catalogue is an error too,
 * so an outbox row of unknown type is reported rather than handed on.
 */
export function parseEvent(
  type: string,
  payload: unknown,
): { success: true; event: CataloguedEvent } | { success: false; error: string } {
  if (!isEventType(type)) return { success: false, error: `${type} is not a catalogued event type` };
  const parsed = catalogue[type].payload.safeParse(payload);
  if (!parsed.success)
    return {
      success: false,
      error: `payload of ${type} does not match the catalogue: ${z.prettifyError(parsed.error)}`,
    };
  // TypeScript cannot tie the schema picked by `type` to its output type; the schema guarantees it.
  return { success: true, event: { type, payload: parsed.data } as CataloguedEvent };
}
