import type { EventPayload } from '../../../domain/catalogue';
import type { upsellsEvents } from '../../../domain/upsells/events';

/** Every shape the upsells module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const upsellsEventExamples: { [K in keyof typeof upsellsEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- products, rules and offers (catalog) ---
  // --- end catalog ---
  // --- buying, upgrades and vouchers (purchases) ---
  // --- end purchases ---
  // --- recommendations (recommendations) ---
  // --- end recommendations ---
};
