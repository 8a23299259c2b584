import type { EventPayload } from '../../../domain/catalogue';
import type { groupsEvents } from '../../../domain/groups/events';

/** Every shape the groups module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const groupsEventExamples: { [K in keyof typeof groupsEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- groups, pricing, bulk orders and rosters (bookings) ---
  // --- end bookings ---
  // --- split payments and deadlines (payments) ---
  // --- end payments ---
};
