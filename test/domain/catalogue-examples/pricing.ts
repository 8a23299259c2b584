import type { EventPayload } from '../../../domain/catalogue';
import type { pricingEvents } from '../../../domain/pricing/events';

/** Every shape the pricing module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const pricingEventExamples: { [K in keyof typeof pricingEvents]: EventPayload<K>[] } = {
  // --- rules (rules) ---
  // --- end rules ---
  // --- quotes (quotes) ---
  // --- end quotes ---
  // --- price tests (tests) ---
  // --- end tests ---
};
