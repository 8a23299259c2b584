import type { EventPayload } from '../../../domain/catalogue';
import type { pricingEvents } from '../../../domain/pricing/events';

/** Every shape the pricing module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const pricingEventExamples: { [K in keyof typeof pricingEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- rules (rules) ---
  'pricing.rule_changed': [
    { rule_id: 1, ticket_type_id: 2, event_id: 3, strategy: 'time', change: 'created' },
    { rule_id: 1, ticket_type_id: 2, event_id: 3, strategy: 'demand', change: 'deleted' },
  ],
  'price.changed': [
    {
      ticket_type_id: 2,
      event_id: 3,
      old_price_minor: 5000,
      new_price_minor: 6500,
      currency: 'EUR',
      reason: 'Early Bird',
      rule_id: 1,
      source: 'rule',
    },
    {
      ticket_type_id: 2,
      event_id: 3,
      old_price_minor: 6500,
      new_price_minor: 6000,
      currency: 'EUR',
      reason: 'manual',
      rule_id: null,
      source: 'manual',
      lowest_30d_minor: 5000,
    },
  ],
  // --- end rules ---
  // --- quotes (quotes) ---
  // --- end quotes ---
  // --- price tests (tests) ---
  'pricing.test_started': [
    { test_id: 4, ticket_type_id: 2, event_id: 3, mode: 'fixed', prices_minor: [5000, 4500] },
    { test_id: 5, ticket_type_id: 2, event_id: 3, mode: 'thompson', prices_minor: [5000, 4500, 5500, 6000] },
  ],
  'pricing.test_stopped': [{ test_id: 4, ticket_type_id: 2, event_id: 3 }],
  'pricing.test_completed': [
    {
      test_id: 4,
      ticket_type_id: 2,
      event_id: 3,
      winner_arm: 1,
      winner_price_minor: 4500,
      because: 'significant',
      exposures: 400,
      conversions: 90,
      applied_price_minor: 4500,
    },
  ],
  // --- end tests ---
};
