import type { EventPayload } from '../../../domain/catalogue';
import type { seasonEvents } from '../../../domain/season/events';

/** Every shape the season module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const seasonEventExamples: { [K in keyof typeof seasonEvents]: EventPayload<K>[] } = {
  // --- packages and subscriptions (subscriptions) ---
  // --- end subscriptions ---
  // --- renewals (renewals) ---
  // --- end renewals ---
  // --- season seats and allocations (allocations) ---
  // --- end allocations ---
};
