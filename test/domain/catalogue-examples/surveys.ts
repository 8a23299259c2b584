import type { EventPayload } from '../../../domain/catalogue';
import type { surveysEvents } from '../../../domain/surveys/events';

/** Every shape the surveys module emits, per type (catalogue.test.ts spreads it into its map). Each part keeps its own section. */
export const surveysEventExamples: { [K in keyof typeof surveysEvents]: [EventPayload<K>, ...EventPayload<K>[]] } = {
  // --- surveys, sending and responses (responses) ---
  'survey.response_submitted': [
    { survey_id: 1, response_id: 2, event_id: 3, customer_id: 4, nps_score: 9 },
    { survey_id: 1, response_id: 5, event_id: null, customer_id: null, nps_score: null },
  ],
  // --- end responses ---
  // --- reviews, NPS and automation (feedback) ---
  'survey.review_submitted': [{ review_id: 1, event_id: 2, customer_id: 3, rating: 5 }],
  'survey.review_moderated': [
    { review_id: 1, event_id: 2, from_status: 'pending', to_status: 'approved' },
    { review_id: 1, event_id: 2, from_status: 'approved', to_status: 'rejected' },
  ],
  'survey.response_alert': [
    {
      rule_id: 1,
      survey_id: 2,
      response_id: 3,
      event_id: 4,
      customer_id: 5,
      nps_score: 3,
      category: 'detractor',
    },
    {
      rule_id: 1,
      survey_id: 2,
      response_id: 6,
      event_id: null,
      customer_id: null,
      nps_score: 10,
      category: 'promoter',
    },
  ],
  // --- end feedback ---
};
