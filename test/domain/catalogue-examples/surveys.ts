import type { EventPayload } from '../../../domain/catalogue';
import type { surveysEvents } from '../../../domain/surveys/events';

/** Every shape the surveys module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const surveysEventExamples: { [K in keyof typeof surveysEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- surveys, sending and responses (responses) ---
  // --- end responses ---
  // --- reviews, NPS and automation (feedback) ---
  // --- end feedback ---
};
