import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineTrigger, matches } from '../../activities/platform/triggers';
import type { DomainEvent } from '../../db/platform/outbox';
import {
  catalogue,
  EVENT_TYPES,
  isEventType,
  parseEvent,
  type EventPayload,
  type EventType,
} from '../../domain/catalogue';
import { eventDocs, eventDocsMarkdown } from '../../domain/catalogue-docs';
import { pricingEventExamples } from './catalogue-examples/pricing';
import { seasonEventExamples } from './catalogue-examples/season';
import { upsellsEventExamples } from './catalogue-examples/upsells';
import { surveysEventExamples } from './catalogue-examples/surveys';
import { groupsEventExamples } from './catalogue-examples/groups';
import { streamingEventExamples } from './catalogue-examples/streaming';

const refund = {
  request_id: 7,
  type: 'refund',
  status: 'pending',
  order_id: 3,
  event_id: 1,
  customer_id: 4,
  currency: 'EUR',
  refund_amount_minor: 4500,
  fee_amount_minor: 500,
} as const;
const closed = { order_id: 3, event_id: 1, reason: 'payment window closed', released_ticket_ids: [11, 12] };
const ticket = { ticket_id: 11, event_id: 1, ticket_type_id: 2 };

/** Every shape the code emits today, per type (the mapped type makes a new catalogue entry need one here). */
const emitted: { [T in EventType]: [EventPayload<T>, ...EventPayload<T>[]] } = {
  'event.created': [{ event_id: 1 }],
  'event.updated': [{ event_id: 1, changed: ['starts_at', 'ends_at'] }],
  'event.cancelled': [{ event_id: 1 }],
  'event.refunds_started': [{ event_id: 1, run_id: 2, mode: 'refund' }],
  'event.refunds_completed': [{ event_id: 1, run_id: 2, mode: 'credit', total: 30, done: 29, failed: 1 }],
  'event.ended': [{ event_id: 1 }],
  'event.sold_out': [{ event_id: 1 }],
  'event.back_on_sale': [{ event_id: 1, remaining: 2 }],
  'ticket_type.created': [{ ticket_type_id: 2, event_id: 1, inventory: 100 }],
  'ticket_type.inventory_changed': [
    { ticket_type_id: 2, event_id: 1, inventory: 120, available: 20, previous_inventory: 100 },
  ],
  'ticket_type.sold_out': [{ ticket_type_id: 2, event_id: 1 }],
  'order.placed': [{ order_id: 3, event_id: 1, total_minor: 5000, currency: 'EUR' }],
  'customer.erased': [{ customer_id: 4 }],
  'order.created': [
    { order_id: 3, event_id: 1, customer_id: 4, total_minor: 5000, currency: 'EUR', ticket_ids: [11, 12] },
  ],
  'order.cancelled': [{ ...closed, reason: 'cancelled by tenant' }],
  'order.expired': [closed],
  'order.failed': [{ ...closed, released_ticket_ids: [] }],
  'ticket.updated': [{ ticket_id: 11, event_id: 1, changed: ['holder_name'] }],
  'ticket.cancelled': [ticket],
  'ticket.voided': [
    { ...ticket, old_ticket_id: 11, new_ticket_id: 13, reason: 'exchanged' },
    { ...ticket, old_ticket_id: 11, new_ticket_id: 14, reason: 'resold' },
  ],
  'ticket.transferred': [{ ...ticket, old_ticket_id: 11, new_ticket_id: 13, new_customer_id: 5 }],
  'refund.requested': [refund],
  'refund.approved': [{ ...refund, status: 'approved' }],
  'refund.rejected': [
    { ...refund, status: 'rejected', note: null },
    { ...refund, status: 'rejected', note: 'outside the window' },
  ],
  'refund.processed': [
    { ...refund, status: 'processed', route: 'provider', payment_refund_id: 're_123' },
    { ...refund, type: 'transfer', status: 'processed', route: 'none', payment_refund_id: null },
  ],
  'refund.reminder': [{ request_id: 7, type: 'exchange', order_id: 3 }],
  'waitlist.offers_made': [{ event_id: 1, ticket_type_id: 2, entry_ids: [21, 22], window_ms: 86_400_000 }],
  'waitlist.offer_expired': [{ entry_id: 21, event_id: 1 }],
  'waitlist.offer_cancelled': [{ entry_id: 22, event_id: 1 }],
  'waitlist.purchased': [{ entry_id: 21, event_id: 1, order_id: 3 }],
  'resale.listed': [{ listing_id: 31, event_id: 1, ticket_type_id: 2, asking_price_minor: 4800 }],
  'resale.cancelled': [
    { listing_id: 31, event_id: 1 },
    { listing_id: 31, event_id: 1, reason: 'ticket no longer valid' },
  ],
  'resale.sold': [{ listing_id: 31, event_id: 1, transaction_id: 41, order_id: 6 }],
  'resale.payout_completed': [{ transaction_id: 41, reference: 'po_123' }],
  'checkin.alert': [
    {
      id: 51,
      event_id: 1,
      gate_id: 2,
      kind: 'capacity',
      message: 'Gate A at 90%',
      payload: { level: 90 },
      created_at: new Date('2025-06-01T18:00:00Z').toISOString(),
    },
    {
      id: 52,
      event_id: 1,
      gate_id: null,
      kind: 'suspicious',
      message: 'Ticket admitted twice',
      payload: {},
      created_at: new Date('2025-06-01T18:01:00Z').toISOString(),
    },
  ],
  'module.enabled': [{ module: 'analytics' }],
  'webhook.endpoint_disabled': [{ endpoint_id: 61, url: 'https://tenant.example/hooks', consecutive_failures: 20 }],
  'email.queued': [{ email_ids: [71, 72] }],
  'crm.consent_changed': [{ customer_id: 4, channel: 'email', granted: false, source: 'unsubscribe_link' }],
  'crm.segment_entered': [{ segment_id: 8, customer_id: 4 }],
  'crm.segment_exited': [{ segment_id: 8, customer_id: 4 }],
  'email.marketing_queued': [{ message_ids: [9, 10] }],
  'crm.email_sent': [
    { message_id: 9, customer_id: 4, campaign_id: 10, automation_id: null },
    { message_id: 9, customer_id: 4, campaign_id: null, automation_id: 11 },
  ],
  'crm.email_opened': [{ message_id: 9, customer_id: 4, campaign_id: 10, automation_id: null, machine: true }],
  'crm.email_clicked': [
    { message_id: 9, customer_id: 4, campaign_id: 10, automation_id: null, url: 'https://example.com/e/1' },
  ],
  'crm.email_bounced': [{ message_id: 9, customer_id: 4, campaign_id: 10, automation_id: null, hard: true }],
  'crm.email_complained': [{ message_id: 9, customer_id: 4, campaign_id: null, automation_id: 11 }],
  'crm.unsubscribed': [{ customer_id: 4, source: 'list_unsubscribe_post' }],
  'crm.campaign_started': [{ campaign_id: 10, segment_id: 8, recipients: 1200 }],
  'crm.campaign_winner_chosen': [
    { campaign_id: 10, variant: 'B', metric: 'click_rate', manual: false, p_value: 0.003 },
    { campaign_id: 10, variant: 'A', metric: 'click_rate', manual: true, p_value: null },
  ],
  'crm.campaign_completed': [{ campaign_id: 10, sent: 1180, suppressed: 20 }],
  'crm.automation_enrolled': [{ automation_id: 11, enrolment_id: 12, customer_id: 4, holdout: false }],
  'crm.automation_exited': [{ automation_id: 11, enrolment_id: 12, customer_id: 4, reason: 'purchased' }],
  'crm.customer_tagged': [{ customer_id: 4, tag: 'vip', automation_id: 11 }],
  ...pricingEventExamples,
  ...seasonEventExamples,
  ...upsellsEventExamples,
  ...surveysEventExamples,
  ...groupsEventExamples,
  ...streamingEventExamples,
  'test.ping': [{}, { i: 3 }],
};

describe('event catalogue', () => {
  it('gives every type a one-line doc and a payload schema', () => {
    expect(EVENT_TYPES.length).toBeGreaterThan(0);
    for (const type of EVENT_TYPES) {
      expect(catalogue[type].doc).toMatch(/^[A-Z][^\n]*\.$/);
      expect(catalogue[type].payload).toBeInstanceOf(z.ZodObject);
    }
  });

  it.each(EVENT_TYPES)('parses every shape %s is emitted with, keeping each field', (type) => {
    for (const payload of emitted[type]) {
      const parsed = parseEvent(type, JSON.parse(JSON.stringify(payload)));
      expect(parsed).toEqual({ success: true, event: { type, payload } });
    }
  });

  it('rejects a payload that does not match its type, and a type it does not list', () => {
    const wrong = parseEvent('order.created', { ...emitted['order.created'][0], customer_id: '4' });
    expect(wrong).toMatchObject({ success: false, error: expect.stringContaining('customer_id') });
    expect(parseEvent('order.created', { order_id: 3 })).toMatchObject({ success: false });
    expect(parseEvent('order.creatd', {})).toEqual({
      success: false,
      error: 'order.creatd is not a catalogued event type',
    });
    expect(isEventType('toString')).toBe(false);
  });

  it('documents every type with its payload fields', () => {
    const docs = eventDocs();
    expect(docs.map((d) => d.type)).toEqual(EVENT_TYPES);
    for (const d of docs) expect(d.fields.map((f) => f.name)).toEqual(Object.keys(catalogue[d.type].payload.shape));
    expect(docs.filter((d) => !d.webhook).map((d) => d.type)).toEqual([
      'email.queued',
      'email.marketing_queued',
      'test.ping',
    ]);
  });

  it("matches the README's webhook table (regenerate with `npx tsx scripts/event-docs.ts`)", () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /<!-- events:start -->\n([\s\S]*?)<!-- events:end -->/.exec(readme)?.[1];
    expect(block).toBe(`${eventDocsMarkdown()}\n`);
  });

  it('types a trigger by the events it listens to', () => {
    const trigger = defineTrigger({
      name: 'test.typed',
      on: ['order.created', 'event.sold_out'],
      async run(event) {
        // Typed without casts: both payloads carry event_id, only order.created has ticket_ids.
        const eventId: number = event.payload.event_id;
        if (event.type === 'order.created') void (event.payload.ticket_ids satisfies number[]);
        void eventId;
      },
    });
    expect(matches(trigger, 'order.created')).toBe(true);
    expect(matches(trigger, 'order.placed')).toBe(false);
    expect(matches(defineTrigger({ name: 'test.all', on: ['*'], run: async () => undefined }), 'test.ping')).toBe(true);
  });
});

// Compile-time checks: `tsc` fails on an unused @ts-expect-error, so each line below proves that
// `emit` and triggers keep refusing a misspelt type or a wrong payload.
export const misspelt: DomainEvent = {
  // @ts-expect-error 'order.creatd' is not a catalogued type
  type: 'order.creatd',
  aggregateType: 'order',
  aggregateId: 3,
  payload: emitted['order.created'][0],
};
// @ts-expect-error an order.created payload lacks customer_id, total_minor, currency and ticket_ids
export const wrongPayload: DomainEvent = {
  type: 'order.created',
  aggregateType: 'order',
  aggregateId: 3,
  payload: { order_id: 3, event_id: 1 },
};
export const misspeltTrigger = defineTrigger({
  name: 'test.typo',
  // @ts-expect-error triggers listen to catalogued types only
  on: ['order.creatd'],
  run: async () => undefined,
});
