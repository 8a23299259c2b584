import type { EventPayload } from '../../../domain/catalogue';
import type { upsellsEvents } from '../../../domain/upsells/events';

/** Every shape the upsells module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const upsellsEventExamples: { [K in keyof typeof upsellsEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- products, rules and offers (catalog) ---
  // --- end catalog ---
  // --- buying, upgrades and vouchers (purchases) ---
  'upsell.purchased': [
    {
      line_id: 1,
      order_id: 2,
      event_id: 3,
      customer_id: 4,
      product_id: 5,
      kind: 'addon',
      quantity: 2,
      variant: null,
      revenue_minor: 3000,
      currency: 'EUR',
      offer_id: 'of_8f2c1a',
      voucher_ids: [11, 12],
    },
    {
      line_id: 6,
      order_id: 2,
      event_id: 3,
      customer_id: 4,
      product_id: 7,
      kind: 'addon',
      quantity: 1,
      variant: 'L',
      revenue_minor: 2500,
      currency: 'EUR',
      offer_id: null,
      voucher_ids: [],
    },
  ],
  'ticket.upgraded': [
    {
      ticket_id: 9,
      event_id: 3,
      order_id: 2,
      product_id: 8,
      from_ticket_type_id: 20,
      to_ticket_type_id: 21,
      charge_minor: 4000,
      currency: 'EUR',
    },
  ],
  'upsell.voucher_redeemed': [
    {
      voucher_id: 11,
      line_id: 1,
      product_id: 5,
      event_id: 3,
      gate_id: 4,
      redeemed_at: '2026-07-01T18:02:03.000Z',
    },
  ],
  'upsell.refunded': [
    {
      line_id: 1,
      order_id: 2,
      event_id: 3,
      customer_id: 4,
      product_id: 5,
      quantity: 2,
      amount_minor: 2700,
      currency: 'EUR',
      route: 'provider',
      refund_request_id: null,
    },
    {
      line_id: 6,
      order_id: 2,
      event_id: 3,
      customer_id: 4,
      product_id: 7,
      quantity: 1,
      amount_minor: 2500,
      currency: 'EUR',
      route: 'credit',
      refund_request_id: 12,
    },
  ],
  // --- end purchases ---
  // --- recommendations (recommendations) ---
  // --- end recommendations ---
};
